"""Service tests of changing a booking: the handler over the in-memory fakes at the ports (no
I/O), down to two writers racing for the same version."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bookings.domain import handlers
from bookings.domain.commands import CancelBooking, ChangeBooking
from bookings.domain.decisions import Context
from bookings.domain.errors import (
    BookingConflict,
    BookingNotFound,
    BookingNotScheduled,
    InvalidBooking,
    StaleBooking,
)
from bookings.domain.events import BookingCreated, BookingRescheduled
from bookings.domain.fakes import FakeUnitOfWork
from bookings.domain.testing_bookings import END, LEAD, NOW, START
from bookings.domain.testing_handlers import OTHER_PROVIDER, PROVIDER, create, event_types


def test_change_moves_the_booking_and_its_reminder(uow: FakeUnitOfWork, context: Context) -> None:
    booking = create(uow, context)
    new_start, new_end = START + timedelta(hours=2), END + timedelta(hours=2)
    handlers.change_booking(
        ChangeBooking(
            actor=PROVIDER, booking_id=booking.id, start_time=new_start, end_time=new_end
        ),
        uow,
        context,
    )
    stored = uow.rows[booking.id]
    assert (stored.start_time, stored.end_time, stored.version) == (new_start, new_end, 2)
    assert stored.reminder_due_at == new_start - LEAD
    assert event_types(uow) == [BookingCreated, BookingRescheduled]
    assert uow.committed_events[-1].booking.start_time == new_start


def test_another_provider_cannot_change_and_gets_not_found(
    uow: FakeUnitOfWork, context: Context
) -> None:
    booking = create(uow, context)
    with pytest.raises(BookingNotFound):
        handlers.change_booking(
            ChangeBooking(actor=OTHER_PROVIDER, booking_id=booking.id, title="Mine now"),
            uow,
            context,
        )
    assert uow.rows[booking.id].title == "Haircut"


def test_change_with_nothing_new_commits_nothing(uow: FakeUnitOfWork, context: Context) -> None:
    booking = create(uow, context)
    commits = uow.commits
    unchanged = handlers.change_booking(
        ChangeBooking(actor=PROVIDER, booking_id=booking.id, title=" Haircut ", start_time=START),
        uow,
        context,
    )
    assert unchanged.version == 1
    assert uow.commits == commits
    assert event_types(uow) == [BookingCreated]


def test_change_of_a_cancelled_booking_is_refused(uow: FakeUnitOfWork, context: Context) -> None:
    booking = create(uow, context)
    handlers.cancel_booking(CancelBooking(actor=PROVIDER, booking_id=booking.id), uow, context)
    with pytest.raises(BookingNotScheduled):
        handlers.change_booking(
            ChangeBooking(actor=PROVIDER, booking_id=booking.id, title="New"), uow, context
        )


def test_change_into_another_booking_conflicts_and_stores_nothing(
    uow: FakeUnitOfWork, context: Context
) -> None:
    first = create(uow, context)
    second = create(uow, context, start=END, end=END + timedelta(hours=1))
    with pytest.raises(BookingConflict) as caught:
        handlers.change_booking(
            ChangeBooking(
                actor=PROVIDER, booking_id=second.id, start_time=END - timedelta(minutes=1)
            ),
            uow,
            context,
        )
    assert caught.value.conflicting_booking_id == first.id
    stored = uow.rows[second.id]
    assert (stored.start_time, stored.version) == (END, 1)
    assert event_types(uow) == [BookingCreated, BookingCreated]


def test_an_invalid_change_stores_nothing(uow: FakeUnitOfWork, context: Context) -> None:
    booking = create(uow, context)
    with pytest.raises(InvalidBooking):
        handlers.change_booking(
            ChangeBooking(actor=PROVIDER, booking_id=booking.id, title="", end_time=START),
            uow,
            context,
        )
    assert uow.rows[booking.id].version == 1


def test_a_concurrent_change_makes_the_slower_writer_stale(context: Context) -> None:
    """Two units of work over the same store: the second save of version 1 -> 2 loses."""
    first_uow = FakeUnitOfWork()
    booking = create(first_uow, context)
    second_uow = FakeUnitOfWork(rows=first_uow.rows)
    with first_uow:
        slow = first_uow.bookings.get(booking.id)
        assert slow is not None
        handlers.change_booking(
            ChangeBooking(actor=PROVIDER, booking_id=booking.id, title="Fast"), second_uow, context
        )
        slow.change(now=NOW, reminder_lead=LEAD, title="Slow")
        with pytest.raises(StaleBooking):
            first_uow.bookings.save(slow)
    assert first_uow.rows[booking.id].title == "Fast"
