"""The decisions the reads make, as pure functions: who sees a booking, what a list asks storage
for, and the page it answers with. Storage's part of a list (order, filters, counts) is tested
against PostgreSQL in `bookings.persistence.reads_storage_test`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from bookings.domain import decisions
from bookings.domain.access import Actor
from bookings.domain.commands import CreateBooking, ListBookings, ListPosition, Period
from bookings.domain.decisions import COUNTED_PAST_OFFSET, Context
from bookings.domain.errors import BookingNotFound, Forbidden
from bookings.domain.model import Booking
from bookings.domain.ports import Found

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
START = NOW + timedelta(days=1)
END = START + timedelta(hours=1)
LEAD = timedelta(minutes=10)
CONTEXT = Context(clock=lambda: NOW, reminder_lead=LEAD)
PROVIDER = Actor(id="p-1")
OTHER_PROVIDER = Actor(id="p-2")
ADMIN = Actor(id="admin-1", is_admin=True)


def haircut(hours_later: int = 0) -> Booking:
    start = START + timedelta(hours=hours_later)
    command = CreateBooking(
        actor=PROVIDER, title="Haircut", start_time=start, end_time=start + timedelta(hours=1)
    )
    return decisions.new_booking(command, CONTEXT)


def position(booking: Booking) -> ListPosition:
    return ListPosition(start_time=booking.start_time, booking_id=booking.id)


def list_of(
    actor: Actor = PROVIDER,
    *,
    period: Period = Period.UPCOMING,
    page: int = 1,
    limit: int = 20,
    provider_id: str | None = None,
    after: ListPosition | None = None,
) -> ListBookings:
    return ListBookings(
        actor=actor, period=period, page=page, limit=limit, provider_id=provider_id, after=after
    )


# --- visible (get) -------------------------------------------------------------------------


@pytest.mark.parametrize("actor", [PROVIDER, ADMIN])
def test_owner_and_admin_get_a_booking(actor: Actor) -> None:
    booking = haircut()
    got = decisions.visible(actor, booking.id, booking)
    assert (got.id, got.title, got.version) == (booking.id, "Haircut", 1)


def test_another_provider_gets_not_found_rather_than_forbidden() -> None:
    booking = haircut()
    with pytest.raises(BookingNotFound) as caught:
        decisions.visible(OTHER_PROVIDER, booking.id, booking)
    assert caught.value.booking_id == booking.id


def test_get_of_an_unknown_booking_is_not_found() -> None:
    with pytest.raises(BookingNotFound):
        decisions.visible(ADMIN, uuid4(), None)


# --- list_query ----------------------------------------------------------------------------


def test_a_page_number_becomes_an_offset_and_a_count_limit_past_it() -> None:
    storage_query = decisions.list_query(list_of(page=3, limit=2), CONTEXT)
    assert (storage_query.offset, storage_query.limit) == (4, 2)
    assert storage_query.count_limit == 4 + COUNTED_PAST_OFFSET + 1


def test_a_list_splits_upcoming_and_past_at_the_clocks_now() -> None:
    for period in Period:
        storage_query = decisions.list_query(list_of(period=period), CONTEXT)
        assert (storage_query.period, storage_query.now) == (period, NOW)


def test_a_list_after_a_position_starts_there_whatever_the_page_number() -> None:
    after = position(haircut())
    storage_query = decisions.list_query(list_of(page=3, after=after), CONTEXT)
    assert (storage_query.offset, storage_query.after) == (0, after)


def test_a_list_shows_a_provider_only_its_own_bookings() -> None:
    assert decisions.list_query(list_of(), CONTEXT).provider_id == PROVIDER.id


def test_a_provider_may_not_list_another_providers_bookings() -> None:
    with pytest.raises(Forbidden):
        decisions.list_query(list_of(provider_id="p-2"), CONTEXT)


def test_an_admin_lists_everyone_or_filters_by_provider() -> None:
    assert decisions.list_query(list_of(ADMIN), CONTEXT).provider_id is None
    filtered = decisions.list_query(list_of(ADMIN, provider_id="p-2"), CONTEXT)
    assert filtered.provider_id == "p-2"


# --- page_of -------------------------------------------------------------------------------


def test_a_page_carries_its_number_limit_total_and_where_the_next_starts() -> None:
    query = list_of(limit=2)
    storage_query = decisions.list_query(query, CONTEXT)
    first, second = haircut(), haircut(hours_later=2)
    found = Found(items=[first, second], counted=5, more=True)
    page = decisions.page_of(query, storage_query, found, position)
    assert (page.items, page.total, page.page, page.limit) == ([first, second], 5, 1, 2)
    assert page.total_exact
    assert page.next_after == position(second)


def test_the_last_page_and_any_beyond_have_no_next_position() -> None:
    query = list_of(page=4, limit=2)
    storage_query = decisions.list_query(query, CONTEXT)
    nothing: Found[Booking] = Found(items=[], counted=5, more=False)
    beyond = decisions.page_of(query, storage_query, nothing, position)
    assert (beyond.items, beyond.total, beyond.next_after) == ([], 5, None)


def test_a_total_that_reaches_the_count_limit_is_a_lower_bound() -> None:
    query = list_of()
    storage_query = decisions.list_query(query, CONTEXT)
    found = Found(items=[haircut()], counted=storage_query.count_limit, more=True)
    page = decisions.page_of(query, storage_query, found, position)
    assert (page.total, page.total_exact) == (storage_query.count_limit, False)
