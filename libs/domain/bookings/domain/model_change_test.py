"""`Booking.change`: new times or title checked, the reminder moved, the version bumped; a change
with nothing new is a no-op, and a cancelled booking cannot change."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bookings.domain.errors import (
    BookingNotScheduled,
    EndNotAfterStart,
    InvalidBooking,
    TitleTooLong,
)
from bookings.domain.events import BookingRescheduled
from bookings.domain.testing_bookings import END, LATER, LEAD, NOW, START, settled_booking


def test_change_of_times_moves_the_booking_and_its_reminder() -> None:
    booking = settled_booking()
    new_start, new_end = START + timedelta(days=1), END + timedelta(days=1)
    assert booking.change(now=LATER, reminder_lead=LEAD, start_time=new_start, end_time=new_end)
    assert (booking.start_time, booking.end_time) == (new_start, new_end)
    assert booking.reminder_due_at == new_start - LEAD
    assert booking.version == 2
    assert booking.updated_at == LATER
    [event] = booking.pull_events()
    assert isinstance(event, BookingRescheduled)
    assert event.booking.start_time == new_start
    assert event.booking.reminder_due_at == new_start - LEAD
    assert event.booking.version == 2


def test_change_of_only_the_end_keeps_the_start() -> None:
    booking = settled_booking()
    assert booking.change(now=LATER, reminder_lead=LEAD, end_time=END + timedelta(hours=1))
    assert (booking.start_time, booking.end_time) == (START, END + timedelta(hours=1))


def test_change_uses_the_current_reminder_lead() -> None:
    booking = settled_booking()
    new_start = START + timedelta(minutes=30)
    booking.change(now=LATER, reminder_lead=timedelta(hours=1), start_time=new_start)
    assert booking.reminder_due_at == new_start - timedelta(hours=1)


def test_change_of_title_only_renames_and_bumps_the_version() -> None:
    booking = settled_booking()
    assert booking.change(now=LATER, reminder_lead=LEAD, title="  Beard trim ")
    assert booking.title == "Beard trim"
    assert (booking.start_time, booking.end_time) == (START, END)
    assert booking.reminder_due_at == START - LEAD
    assert booking.version == 2
    [event] = booking.pull_events()
    assert isinstance(event, BookingRescheduled)
    assert event.booking.title == "Beard trim"


@pytest.mark.parametrize(
    ("title", "start", "end"),
    [
        (None, None, None),
        ("Haircut", None, None),
        ("  Haircut ", None, None),
        (None, START, END),
        ("Haircut", START.astimezone(ZoneInfo("Asia/Tokyo")), None),  # the same instant
    ],
)
def test_change_with_nothing_new_is_a_no_op(
    title: str | None, start: datetime | None, end: datetime | None
) -> None:
    booking = settled_booking()
    assert not booking.change(
        now=LATER, reminder_lead=LEAD, title=title, start_time=start, end_time=end
    )
    assert booking.version == 1
    assert booking.updated_at == NOW
    assert booking.events == []


def test_change_checks_the_new_slot() -> None:
    booking = settled_booking()
    with pytest.raises(InvalidBooking) as caught:
        booking.change(now=LATER, reminder_lead=LEAD, end_time=START)
    assert [type(v) for v in caught.value.violations] == [EndNotAfterStart]
    assert (booking.end_time, booking.version, booking.events) == (END, 1, [])


def test_change_refuses_to_move_a_booking_into_the_past() -> None:
    booking = settled_booking()
    with pytest.raises(InvalidBooking) as caught:
        booking.change(
            now=LATER, reminder_lead=LEAD, start_time=NOW, end_time=NOW + timedelta(hours=1)
        )
    assert [v.field for v in caught.value.violations] == ["start_time"]


def test_change_checks_the_new_title() -> None:
    booking = settled_booking()
    with pytest.raises(InvalidBooking) as caught:
        booking.change(now=LATER, reminder_lead=LEAD, title="x" * 201)
    assert [type(v) for v in caught.value.violations] == [TitleTooLong]
    assert booking.title == "Haircut"


def test_change_reports_title_and_time_violations_together() -> None:
    booking = settled_booking()
    with pytest.raises(InvalidBooking) as caught:
        booking.change(now=LATER, reminder_lead=LEAD, title="  ", end_time=START)
    assert [v.field for v in caught.value.violations] == ["title", "end_time"]
    assert (booking.title, booking.end_time, booking.version) == ("Haircut", END, 1)


def test_change_of_a_cancelled_booking_is_refused() -> None:
    booking = settled_booking()
    booking.cancel(now=LATER)
    with pytest.raises(BookingNotScheduled):
        booking.change(now=LATER, reminder_lead=LEAD, title="New")


def test_even_a_no_op_change_of_a_cancelled_booking_is_refused() -> None:
    booking = settled_booking()
    booking.cancel(now=LATER)
    with pytest.raises(BookingNotScheduled):
        booking.change(now=LATER, reminder_lead=LEAD)


def test_reschedule_resets_reminded_at() -> None:
    booking = settled_booking()
    booking.mark_reminded(now=LATER)
    booking.change(now=LATER, reminder_lead=LEAD, start_time=START + timedelta(minutes=30))
    assert booking.reminded_at is None


def test_title_only_change_keeps_reminded_at() -> None:
    booking = settled_booking()
    booking.mark_reminded(now=LATER)
    booking.change(now=LATER, reminder_lead=LEAD, title="New title")
    assert booking.reminded_at == LATER
