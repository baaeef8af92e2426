"""The lists as the API reads them, on a real PostgreSQL: `decisions.list_query`, then
`reads.fetch_page` on the API's pool, then `decisions.page_of`: the pages a list request gets."""

from __future__ import annotations

from datetime import UTC, timedelta

from bookings.domain.commands import Period
from bookings.persistence.database import Database
from bookings.persistence.testing_reads import (
    ADMIN,
    END,
    NOW,
    OTHER_PROVIDER,
    START,
    Pool,
    booking,
    list_page,
    store,
)


async def test_list_pages_through_upcoming_bookings_soonest_first(
    reads_database: Database, pool: Pool
) -> None:
    starts = [START + timedelta(hours=2 * i) for i in (3, 0, 4, 1, 2)]
    store(reads_database, *(booking(n, start=start) for n, start in enumerate(starts, 1)))
    store(reads_database, booking(9, provider_id=OTHER_PROVIDER.id))
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


async def test_list_splits_upcoming_and_past_at_now(reads_database: Database, pool: Pool) -> None:
    early = booking(1, start=START, end=END)
    late = booking(2, start=END, end=END + timedelta(hours=1))
    store(reads_database, early, late)
    # The late booking starts exactly now: upcoming.
    upcoming = await list_page(pool, now=END)
    past = await list_page(pool, period=Period.PAST, now=END)
    assert [b.id for b in upcoming.items] == [late.id]
    assert [b.id for b in past.items] == [early.id]


async def test_list_of_past_bookings_is_latest_first(reads_database: Database, pool: Pool) -> None:
    starts = [START + timedelta(hours=2 * i) for i in (1, 0, 2)]
    store(reads_database, *(booking(n, start=start) for n, start in enumerate(starts, 1)))
    later = NOW + timedelta(days=30)
    page = await list_page(pool, period=Period.PAST, now=later)
    assert [b.start_time for b in page.items] == sorted(starts, reverse=True)
    assert page.total == 3
    assert (await list_page(pool, now=later)).total == 0


async def test_list_shows_a_provider_only_its_own_bookings(
    reads_database: Database, pool: Pool
) -> None:
    own, other = booking(1), booking(2, provider_id=OTHER_PROVIDER.id)
    store(reads_database, own, other)
    page = await list_page(pool)
    assert ([b.id for b in page.items], page.total) == ([own.id], 1)


async def test_an_admin_lists_everyone_or_filters_by_provider(
    reads_database: Database, pool: Pool
) -> None:
    other = booking(2, provider_id=OTHER_PROVIDER.id)
    store(reads_database, booking(1), other)
    assert (await list_page(pool, actor=ADMIN)).total == 2
    filtered = await list_page(pool, actor=ADMIN, provider_id=OTHER_PROVIDER.id)
    assert ([b.id for b in filtered.items], filtered.total) == ([other.id], 1)
