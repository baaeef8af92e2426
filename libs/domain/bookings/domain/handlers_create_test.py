"""Service tests of creating a booking: the handler over the in-memory fakes at the ports (no
I/O): stored with its event, checked, allowed, and refused when it overlaps the provider's own."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bookings.domain import handlers
from bookings.domain.commands import CancelBooking
from bookings.domain.decisions import Context
from bookings.domain.errors import BookingConflict, Forbidden, InvalidBooking
from bookings.domain.events import BookingCreated
from bookings.domain.fakes import FakeClock, FakeUnitOfWork
from bookings.domain.testing_bookings import END, LEAD, START
from bookings.domain.testing_handlers import ADMIN, OTHER_PROVIDER, PROVIDER, create, event_types


def test_create_stores_the_booking_and_commits_its_event(
    uow: FakeUnitOfWork, context: Context
) -> None:
    booking = create(uow, context)
    stored = uow.rows[booking.id]
    assert (stored.provider_id, stored.title, stored.version) == ("p-1", "Haircut", 1)
    assert stored.reminder_due_at == START - LEAD
    assert uow.commits == 1
    [event] = uow.committed_events
    assert isinstance(event, BookingCreated)
    assert event.booking.booking_id == booking.id
    assert booking.events == []


def test_create_takes_the_time_from_the_clock(
    uow: FakeUnitOfWork, context: Context, clock: FakeClock
) -> None:
    clock.advance(timedelta(days=1))
    with pytest.raises(InvalidBooking):
        create(uow, context, start=START, end=END)  # START is now clock's "now"
    assert uow.rows == {}


def test_create_rejects_an_invalid_booking_without_storing_anything(
    uow: FakeUnitOfWork, context: Context
) -> None:
    with pytest.raises(InvalidBooking) as caught:
        create(uow, context, start=END, end=START)
    assert [v.field for v in caught.value.violations] == ["end_time"]
    assert (uow.rows, uow.committed_events, uow.commits) == ({}, [], 0)


def test_a_provider_may_not_create_for_another_provider(
    uow: FakeUnitOfWork, context: Context
) -> None:
    with pytest.raises(Forbidden):
        create(uow, context, provider_id="p-2")
    assert uow.rows == {}


def test_an_admin_may_create_for_any_provider(uow: FakeUnitOfWork, context: Context) -> None:
    booking = create(uow, context, actor=ADMIN, provider_id="p-2")
    assert uow.rows[booking.id].provider_id == "p-2"


def test_create_overlapping_the_same_providers_booking_conflicts(
    uow: FakeUnitOfWork, context: Context
) -> None:
    first = create(uow, context)
    with pytest.raises(BookingConflict) as caught:
        create(uow, context, start=START + timedelta(minutes=30), end=END + timedelta(minutes=30))
    assert caught.value.conflicting_booking_id == first.id
    assert list(uow.rows) == [first.id]
    assert event_types(uow) == [BookingCreated]


def test_back_to_back_bookings_do_not_conflict(uow: FakeUnitOfWork, context: Context) -> None:
    create(uow, context)
    create(uow, context, start=END, end=END + timedelta(hours=1))
    create(uow, context, start=START - timedelta(hours=1), end=START)
    assert len(uow.rows) == 3


def test_other_providers_may_book_the_same_slot(uow: FakeUnitOfWork, context: Context) -> None:
    create(uow, context)
    create(uow, context, actor=OTHER_PROVIDER)
    assert len(uow.rows) == 2


def test_a_cancelled_booking_frees_its_slot(uow: FakeUnitOfWork, context: Context) -> None:
    first = create(uow, context)
    handlers.cancel_booking(CancelBooking(actor=PROVIDER, booking_id=first.id), uow, context)
    second = create(uow, context)
    assert uow.rows[second.id].is_scheduled
