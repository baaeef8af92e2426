"""The reminder on the model: `mark_reminded`, and `reminder_is_owed` for a version after sends,
changes and cancels."""

from __future__ import annotations

from datetime import timedelta

from bookings.domain.events import ReminderSent
from bookings.domain.testing_bookings import LATER, LEAD, START, settled_booking


def test_mark_reminded_records_the_time_and_keeps_the_version() -> None:
    booking = settled_booking()
    booking.mark_reminded(now=LATER)
    assert booking.reminded_at == LATER
    assert booking.updated_at == LATER
    assert booking.version == 1
    [event] = booking.pull_events()
    assert isinstance(event, ReminderSent)
    assert event.booking.version == 1


def test_reminder_is_owed_for_the_current_version_until_sent() -> None:
    booking = settled_booking()
    assert booking.reminder_is_owed(1, now=LATER)
    assert not booking.reminder_is_owed(2, now=LATER)
    booking.mark_reminded(now=LATER)
    assert not booking.reminder_is_owed(1, now=LATER)


def test_reminder_is_not_owed_after_cancel() -> None:
    booking = settled_booking()
    booking.cancel(now=LATER)
    due = booking.reminder_due_at
    assert not booking.reminder_is_owed(1, now=due)
    assert not booking.reminder_is_owed(booking.version, now=due)


def test_reminder_is_owed_only_for_the_new_version_after_a_change() -> None:
    booking = settled_booking()
    booking.change(now=LATER, reminder_lead=LEAD, start_time=START + timedelta(minutes=30))
    assert not booking.reminder_is_owed(1, now=LATER)
    assert booking.reminder_is_owed(2, now=LATER)


def test_an_earlier_versions_job_sends_once_the_current_reminder_is_due() -> None:
    booking = settled_booking()
    booking.change(now=LATER, reminder_lead=LEAD, start_time=START + timedelta(minutes=30))
    due = booking.reminder_due_at
    assert not booking.reminder_is_owed(1, now=due - timedelta(microseconds=1))
    assert booking.reminder_is_owed(1, now=due)


def test_reminder_already_sent_is_not_owed_again_after_a_rename() -> None:
    booking = settled_booking()
    booking.mark_reminded(now=LATER)
    booking.change(now=LATER, reminder_lead=LEAD, title="New title")
    assert not booking.reminder_is_owed(booking.version, now=booking.reminder_due_at)
