"""Calendar feeds on a real PostgreSQL: tokens, the feed's rows, and the listing digest that
PostgreSQL and Python must compute alike."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from bookings.persistence.calendar_feeds import (
    fetch_feed,
    fetch_listing,
    listing_digest,
    set_feed_token,
)
from bookings.persistence.pool import connection_pool

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
SINCE, UNTIL = NOW - timedelta(days=30), NOW + timedelta(days=365)
Connection = AsyncConnection[Any]


@pytest.fixture
async def connection(postgres_url: str) -> AsyncIterator[Connection]:
    pool: AsyncConnectionPool[Connection] = connection_pool(postgres_url, size=1)
    await pool.open(wait=True)
    async with pool.connection() as connection:
        yield connection
    await pool.close()


async def add_booking(connection: Connection, provider_id: str, start: datetime) -> UUID:
    booking_id = uuid4()
    await connection.execute(
        "INSERT INTO bookings (id, provider_id, title, start_time, end_time, status, version,"
        " reminder_due_at, created_at, updated_at)"
        " VALUES (%s, %s, 'Visit', %s, %s, 'scheduled', 1, %s, %s, %s)",
        (booking_id, provider_id, start, start + timedelta(hours=1), start, NOW, NOW),
    )
    return booking_id


def pairs(rows: list[tuple[Any, ...]]) -> list[tuple[UUID, int]]:
    return [(row[0], row[5]) for row in rows]


async def test_postgresql_digests_the_listing_as_python_does(connection: Connection) -> None:
    provider = f"p-{uuid4().hex[:8]}"
    await set_feed_token(connection, provider, "token-" + provider)
    assert await fetch_listing(connection, "token-" + provider, SINCE, UNTIL) == (
        provider,
        listing_digest([]),
    )
    for days in (3, -10, 200, 1):
        await add_booking(connection, provider, NOW + timedelta(days=days))
    await add_booking(connection, provider, NOW + timedelta(days=400))  # after the window
    await add_booking(connection, provider, NOW - timedelta(days=31))  # before it
    await add_booking(connection, "someone-else", NOW + timedelta(days=2))
    found = await fetch_feed(connection, "token-" + provider, SINCE, UNTIL, lambda *row: row)
    assert found is not None
    owner, rows = found
    assert owner == provider
    assert [row[2] for row in rows] == sorted(row[2] for row in rows)
    assert len(rows) == 4
    listed = await fetch_listing(connection, "token-" + provider, SINCE, UNTIL)
    assert listed == (provider, listing_digest(pairs(rows)))
    await connection.execute("UPDATE bookings SET version = 2 WHERE id = %s", (rows[0][0],))
    changed = await fetch_listing(connection, "token-" + provider, SINCE, UNTIL)
    assert changed is not None
    assert changed != listed
    bumped = [(rows[0][0], 2), *pairs(rows)[1:]]
    assert changed[1] == listing_digest(bumped)


async def test_a_new_token_replaces_the_old_one(connection: Connection) -> None:
    provider = f"p-{uuid4().hex[:8]}"
    await set_feed_token(connection, provider, "first-" + provider)
    await set_feed_token(connection, provider, "second-" + provider)
    assert await fetch_listing(connection, "first-" + provider, SINCE, UNTIL) is None
    assert await fetch_feed(connection, "first-" + provider, SINCE, UNTIL, tuple) is None
    assert await fetch_listing(connection, "second-" + provider, SINCE, UNTIL) is not None
