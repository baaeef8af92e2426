"""Service tests of cancelling a booking: the handler over the in-memory fakes at the ports (no
I/O)."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from bookings.domain import handlers
from bookings.domain.commands import CancelBooking
from bookings.domain.decisions import Context
from bookings.domain.errors import BookingNotFound, BookingNotScheduled
from bookings.domain.events import BookingCancelled, BookingCreated
from bookings.domain.fakes import FakeClock, FakeUnitOfWork
from bookings.domain.status import BookingStatus
from bookings.domain.testing_handlers import ADMIN, OTHER_PROVIDER, PROVIDER, create, event_types


def test_cancel_stores_the_cancellation_and_commits_its_event(
    uow: FakeUnitOfWork, context: Context, clock: FakeClock
) -> None:
    booking = create(uow, context)
    clock.advance(timedelta(minutes=1))
    cancelled = handlers.cancel_booking(
        CancelBooking(actor=PROVIDER, booking_id=booking.id), uow, context
    )
    assert cancelled.status is BookingStatus.CANCELLED
    stored = uow.rows[booking.id]
    assert (stored.status, stored.version, stored.updated_at) == (
        BookingStatus.CANCELLED,
        2,
        clock.now,
    )
    assert event_types(uow) == [BookingCreated, BookingCancelled]


def test_an_admin_may_cancel_any_booking(uow: FakeUnitOfWork, context: Context) -> None:
    booking = create(uow, context)
    handlers.cancel_booking(CancelBooking(actor=ADMIN, booking_id=booking.id), uow, context)
    assert uow.rows[booking.id].status is BookingStatus.CANCELLED


def test_another_provider_cannot_cancel_and_gets_not_found(
    uow: FakeUnitOfWork, context: Context
) -> None:
    booking = create(uow, context)
    with pytest.raises(BookingNotFound):
        handlers.cancel_booking(
            CancelBooking(actor=OTHER_PROVIDER, booking_id=booking.id), uow, context
        )
    assert uow.rows[booking.id].is_scheduled
    assert event_types(uow) == [BookingCreated]


def test_cancel_twice_is_refused(uow: FakeUnitOfWork, context: Context) -> None:
    booking = create(uow, context)
    command = CancelBooking(actor=PROVIDER, booking_id=booking.id)
    handlers.cancel_booking(command, uow, context)
    with pytest.raises(BookingNotScheduled):
        handlers.cancel_booking(command, uow, context)
    assert uow.rows[booking.id].version == 2
    assert event_types(uow) == [BookingCreated, BookingCancelled]


def test_cancel_of_an_unknown_booking_is_not_found(uow: FakeUnitOfWork, context: Context) -> None:
    with pytest.raises(BookingNotFound):
        handlers.cancel_booking(CancelBooking(actor=ADMIN, booking_id=uuid4()), uow, context)
