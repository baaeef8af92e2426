"""Bookings and lists for the tests of the reads on a real PostgreSQL: bookings stored through
the unit of work, storage's query, and a list request answered as the API answers it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from bookings.domain import decisions
from bookings.domain.access import Actor
from bookings.domain.commands import ListBookings, ListPosition, Period
from bookings.domain.decisions import Context
from bookings.domain.model import Booking
from bookings.domain.ports import BookingListQuery, Found, Page
from bookings.persistence import reads
from bookings.persistence.database import Database
from bookings.persistence.rows import booking_from_row
from bookings.persistence.uow import SqlUnitOfWork

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
# Every booking is made before any test's `now`, so that it may start before that `now`.
MADE_AT = NOW - timedelta(days=30)
START = NOW + timedelta(days=1)
END = START + timedelta(hours=1)
LEAD = timedelta(minutes=10)
PROVIDER = Actor(id="p-1")
OTHER_PROVIDER = Actor(id="p-2")
ADMIN = Actor(id="admin-1", is_admin=True)
Pool = AsyncConnectionPool[AsyncConnection[Any]]


def booking(
    number: int, *, start: datetime = START, end: datetime | None = None, provider_id: str = "p-1"
) -> Booking:
    return Booking.create(
        provider_id=provider_id,
        title=f"Booking {number}",
        start_time=start,
        end_time=start + timedelta(hours=1) if end is None else end,
        now=MADE_AT,
        reminder_lead=LEAD,
        booking_id=UUID(int=number),
    )


def store(database: Database, *bookings: Booking) -> None:
    def add(uow: SqlUnitOfWork) -> None:
        with uow:
            for each in bookings:
                uow.bookings.add(each)
            uow.commit()

    database.run(add)


def query(
    period: Period = Period.UPCOMING,
    *,
    offset: int = 0,
    limit: int = 10,
    provider_id: str | None = None,
    after: ListPosition | None = None,
    count_limit: int = 1_000,
) -> BookingListQuery:
    return BookingListQuery(
        period=period,
        now=NOW,
        offset=offset,
        limit=limit,
        provider_id=provider_id,
        after=after,
        count_limit=count_limit,
    )


def stored_booking(*columns: Any) -> Booking:
    return booking_from_row(columns)


def position(found: Booking) -> ListPosition:
    return ListPosition(start_time=found.start_time, booking_id=found.id)


async def fetch(pool: Pool, storage_query: BookingListQuery) -> Found[Booking]:
    async with pool.connection() as connection:
        return await reads.fetch_page(connection, storage_query, stored_booking)


async def list_page(
    pool: Pool,
    *,
    actor: Actor = PROVIDER,
    period: Period = Period.UPCOMING,
    page: int = 1,
    limit: int = 20,
    provider_id: str | None = None,
    now: datetime = NOW,
) -> Page[Booking]:
    """A list request answered as the API answers it."""
    list_query = ListBookings(
        actor=actor, period=period, page=page, limit=limit, provider_id=provider_id
    )
    context = Context(clock=lambda: now, reminder_lead=LEAD)
    storage_query = decisions.list_query(list_query, context)
    found = await fetch(pool, storage_query)
    return decisions.page_of(list_query, storage_query, found, position)
