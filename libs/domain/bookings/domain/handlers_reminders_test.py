"""Service tests of sending reminders: the handler over the in-memory fakes at the ports (no
I/O): once per version, not after a cancel, again after a reschedule."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from bookings.domain import handlers
from bookings.domain.commands import CancelBooking, ChangeBooking, SendReminder
from bookings.domain.decisions import Context
from bookings.domain.events import BookingCreated, BookingRescheduled, ReminderSent
from bookings.domain.fakes import FakeClock, FakeUnitOfWork
from bookings.domain.model import Booking
from bookings.domain.testing_bookings import START
from bookings.domain.testing_handlers import PROVIDER, create, event_types


def move_earlier(booking: Booking, uow: FakeUnitOfWork, context: Context) -> None:
    command = ChangeBooking(
        actor=PROVIDER, booking_id=booking.id, start_time=START - timedelta(hours=1)
    )
    handlers.change_booking(command, uow, context)


def remind(booking: Booking, version: int, uow: FakeUnitOfWork, context: Context) -> bool:
    reminded = handlers.send_reminder(
        SendReminder(booking_id=booking.id, version=version), uow, context
    )
    return reminded is not None


def test_a_sent_reminder_returns_the_booking_as_marked(
    uow: FakeUnitOfWork, context: Context, clock: FakeClock
) -> None:
    booking = create(uow, context)
    clock.advance(timedelta(hours=1))
    reminded = handlers.send_reminder(SendReminder(booking_id=booking.id, version=1), uow, context)
    assert reminded is not None
    assert (reminded.id, reminded.version, reminded.reminded_at) == (booking.id, 1, clock.now)
    assert reminded.reminder_due_at == booking.reminder_due_at


def test_a_reminder_is_sent_once_per_version(
    uow: FakeUnitOfWork, context: Context, clock: FakeClock
) -> None:
    booking = create(uow, context)
    clock.advance(timedelta(hours=1))
    assert remind(booking, 1, uow, context)
    assert not remind(booking, 1, uow, context)
    assert uow.rows[booking.id].reminded_at == clock.now
    assert uow.rows[booking.id].version == 1
    assert event_types(uow) == [BookingCreated, ReminderSent]


def test_a_reminder_for_an_old_version_is_not_sent_after_a_change(
    uow: FakeUnitOfWork, context: Context
) -> None:
    booking = create(uow, context)
    move_earlier(booking, uow, context)
    assert not remind(booking, 1, uow, context)
    assert remind(booking, 2, uow, context)
    assert event_types(uow) == [BookingCreated, BookingRescheduled, ReminderSent]


def test_an_old_versions_job_sends_the_due_reminder_of_the_new_version_once(
    uow: FakeUnitOfWork, context: Context, clock: FakeClock
) -> None:
    # The job queue may run the new schedule with the old version's arguments (see the model).
    booking = create(uow, context)
    move_earlier(booking, uow, context)
    clock.now = uow.rows[booking.id].reminder_due_at
    assert remind(booking, 1, uow, context)
    assert not remind(booking, 2, uow, context)
    assert uow.rows[booking.id].version == 2
    assert event_types(uow) == [BookingCreated, BookingRescheduled, ReminderSent]


def test_a_rescheduled_booking_is_reminded_again(uow: FakeUnitOfWork, context: Context) -> None:
    booking = create(uow, context)
    assert remind(booking, 1, uow, context)
    move_earlier(booking, uow, context)
    assert remind(booking, 2, uow, context)


def test_a_renamed_booking_already_reminded_is_not_reminded_again(
    uow: FakeUnitOfWork, context: Context
) -> None:
    booking = create(uow, context)
    assert remind(booking, 1, uow, context)
    handlers.change_booking(
        ChangeBooking(actor=PROVIDER, booking_id=booking.id, title="Renamed"), uow, context
    )
    assert not remind(booking, 2, uow, context)


def test_no_reminder_after_cancel(uow: FakeUnitOfWork, context: Context) -> None:
    booking = create(uow, context)
    handlers.cancel_booking(CancelBooking(actor=PROVIDER, booking_id=booking.id), uow, context)
    for version in (1, 2):
        assert not handlers.send_reminder(
            SendReminder(booking_id=booking.id, version=version), uow, context
        )
    assert ReminderSent not in event_types(uow)


def test_no_reminder_for_an_unknown_booking(uow: FakeUnitOfWork, context: Context) -> None:
    assert not handlers.send_reminder(SendReminder(booking_id=uuid4(), version=1), uow, context)
    assert uow.commits == 0
