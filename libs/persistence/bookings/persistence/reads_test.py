"""The lists as the API reads them, on a real PostgreSQL: `decisions.list_query`, then
`reads.fetch_page` on the API's pool, then `decisions.page_of`.

Each test gets an empty database of its own, so a list of every provider's bookings holds the
test's bookings only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
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
from bookings.persistence.pool import connection_pool
from bookings.persistence.rows import booking_from_row
from bookings.persistence.uow import SqlUnitOfWork
from bookings.servers.postgres import (
    create_database,
    database_url,
    drop_database,
    unique_database_name,
)

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


@pytest.fixture
def empty_database(postgres_server_url: str, database_template: str) -> Iterator[str]:
    name = unique_database_name("reads")
    create_database(postgres_server_url, name, template=database_template)
    yield database_url(postgres_server_url, name)
    drop_database(postgres_server_url, name)


@pytest.fixture
def database(empty_database: str) -> Iterator[Database]:
    db = Database(empty_database, pool_size=1)
    yield db
    db.close()


@pytest.fixture
async def pool(empty_database: str) -> AsyncIterator[Pool]:
    api_pool = connection_pool(empty_database, size=1)
    await api_pool.open(wait=True)
    yield api_pool
    await api_pool.close()


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


# --- what storage finds --------------------------------------------------------------------


async def test_list_breaks_ties_by_id_ascending_upcoming_and_descending_past(
    database: Database, pool: Pool
) -> None:
    tied = [booking(n, start=START, provider_id=f"p-{n}") for n in (3, 1, 2)]
    past = [booking(n, start=NOW - timedelta(days=1), provider_id=f"p-{n}") for n in (6, 4, 5)]
    store(database, *tied, *past)
    upcoming = await fetch(pool, query())
    earlier = await fetch(pool, query(Period.PAST))
    assert [b.id.int for b in upcoming.items] == [1, 2, 3]
    assert [b.id.int for b in earlier.items] == [6, 5, 4]
    assert (upcoming.counted, earlier.counted) == (3, 3)


async def test_list_applies_offset_limit_and_provider_but_counts_every_match(
    database: Database, pool: Pool
) -> None:
    rows = [booking(n, start=START + timedelta(hours=2 * n)) for n in range(1, 6)]
    store(database, *rows, booking(9, provider_id="p-2"))
    page = await fetch(pool, query(offset=1, limit=2, provider_id="p-1"))
    everyone = await fetch(pool, query(limit=100))
    assert ([b.id.int for b in page.items], page.counted, page.more) == ([2, 3], 5, True)
    assert (len(everyone.items), everyone.counted, everyone.more) == (6, 6, False)


async def test_list_counts_up_to_its_count_limit(database: Database, pool: Pool) -> None:
    store(database, *(booking(n, start=START + timedelta(hours=2 * n)) for n in range(1, 6)))
    page = await fetch(pool, query(limit=2, count_limit=3))
    assert (len(page.items), page.counted) == (2, 3)


async def test_list_after_a_position_continues_from_there(database: Database, pool: Pool) -> None:
    rows = [booking(n, start=START + timedelta(hours=2 * n)) for n in range(1, 6)]
    store(database, *rows)
    third = ListPosition(start_time=rows[2].start_time, booking_id=rows[2].id)
    later = await fetch(pool, query(after=third))
    assert [b.id.int for b in later.items] == [4, 5]
    assert later.counted == 5  # the count is of the whole list, not of what follows


# --- the pages a list request gets ---------------------------------------------------------


async def test_list_pages_through_upcoming_bookings_soonest_first(
    database: Database, pool: Pool
) -> None:
    starts = [START + timedelta(hours=2 * i) for i in (3, 0, 4, 1, 2)]
    store(database, *(booking(n, start=start) for n, start in enumerate(starts, 1)))
    store(database, booking(9, provider_id=OTHER_PROVIDER.id))
    first = await list_page(pool, limit=2)
    second = await list_page(pool, page=2, limit=2)
    last = await list_page(pool, page=3, limit=2)
    beyond = await list_page(pool, page=4, limit=2)
    listed = [b.start_time for page in (first, second, last) for b in page.items]
    assert listed == sorted(starts)
    assert all(b.start_time.tzinfo == UTC for page in (first, second, last) for b in page.items)
    assert (first.total, first.page, first.limit) == (5, 1, 2)
    assert (second.page, len(last.items), beyond.items, beyond.total) == (2, 1, [], 5)
    assert (await list_page(pool, period=Period.PAST)).total == 0


async def test_list_splits_upcoming_and_past_at_now(database: Database, pool: Pool) -> None:
    early = booking(1, start=START, end=END)
    late = booking(2, start=END, end=END + timedelta(hours=1))
    store(database, early, late)
    # The late booking starts exactly now: upcoming.
    upcoming = await list_page(pool, now=END)
    past = await list_page(pool, period=Period.PAST, now=END)
    assert [b.id for b in upcoming.items] == [late.id]
    assert [b.id for b in past.items] == [early.id]


async def test_list_of_past_bookings_is_latest_first(database: Database, pool: Pool) -> None:
    starts = [START + timedelta(hours=2 * i) for i in (1, 0, 2)]
    store(database, *(booking(n, start=start) for n, start in enumerate(starts, 1)))
    later = NOW + timedelta(days=30)
    page = await list_page(pool, period=Period.PAST, now=later)
    assert [b.start_time for b in page.items] == sorted(starts, reverse=True)
    assert page.total == 3
    assert (await list_page(pool, now=later)).total == 0


async def test_list_shows_a_provider_only_its_own_bookings(database: Database, pool: Pool) -> None:
    own, other = booking(1), booking(2, provider_id=OTHER_PROVIDER.id)
    store(database, own, other)
    page = await list_page(pool)
    assert ([b.id for b in page.items], page.total) == ([own.id], 1)


async def test_an_admin_lists_everyone_or_filters_by_provider(
    database: Database, pool: Pool
) -> None:
    other = booking(2, provider_id=OTHER_PROVIDER.id)
    store(database, booking(1), other)
    assert (await list_page(pool, actor=ADMIN)).total == 2
    filtered = await list_page(pool, actor=ADMIN, provider_id=OTHER_PROVIDER.id)
    assert ([b.id for b in filtered.items], filtered.total) == ([other.id], 1)
