"""What storage finds for a list, on a real PostgreSQL: `reads.fetch_page` on the API's pool,
given storage's query: its order, offset, limit, provider, position and count."""

from __future__ import annotations

from datetime import timedelta

from bookings.domain.commands import ListPosition, Period
from bookings.persistence.database import Database
from bookings.persistence.testing_reads import (
    NOW,
    START,
    Pool,
    booking,
    fetch,
    query,
    store,
)


async def test_list_breaks_ties_by_id_ascending_upcoming_and_descending_past(
    reads_database: Database, pool: Pool
) -> None:
    tied = [booking(n, start=START, provider_id=f"p-{n}") for n in (3, 1, 2)]
    past = [booking(n, start=NOW - timedelta(days=1), provider_id=f"p-{n}") for n in (6, 4, 5)]
    store(reads_database, *tied, *past)
    upcoming = await fetch(pool, query())
    earlier = await fetch(pool, query(Period.PAST))
    assert [b.id.int for b in upcoming.items] == [1, 2, 3]
    assert [b.id.int for b in earlier.items] == [6, 5, 4]
    assert (upcoming.counted, earlier.counted) == (3, 3)


async def test_list_applies_offset_limit_and_provider_but_counts_every_match(
    reads_database: Database, pool: Pool
) -> None:
    rows = [booking(n, start=START + timedelta(hours=2 * n)) for n in range(1, 6)]
    store(reads_database, *rows, booking(9, provider_id="p-2"))
    page = await fetch(pool, query(offset=1, limit=2, provider_id="p-1"))
    everyone = await fetch(pool, query(limit=100))
    assert ([b.id.int for b in page.items], page.counted, page.more) == ([2, 3], 5, True)
    assert (len(everyone.items), everyone.counted, everyone.more) == (6, 6, False)


async def test_list_counts_up_to_its_count_limit(reads_database: Database, pool: Pool) -> None:
    store(reads_database, *(booking(n, start=START + timedelta(hours=2 * n)) for n in range(1, 6)))
    page = await fetch(pool, query(limit=2, count_limit=3))
    assert (len(page.items), page.counted) == (2, 3)


async def test_list_after_a_position_continues_from_there(
    reads_database: Database, pool: Pool
) -> None:
    rows = [booking(n, start=START + timedelta(hours=2 * n)) for n in range(1, 6)]
    store(reads_database, *rows)
    third = ListPosition(start_time=rows[2].start_time, booking_id=rows[2].id)
    later = await fetch(pool, query(after=third))
    assert [b.id.int for b in later.items] == [4, 5]
    assert later.counted == 5  # the count is of the whole list, not of what follows
