"""The write path under concurrency, against a real PostgreSQL: the database decides."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from bookings.api.commands import Answer, BookingCommands, Keyed
from bookings.domain.access import Actor
from bookings.domain.commands import CreateBooking
from bookings.domain.decisions import Context
from bookings.domain.errors import BookingConflict
from bookings.persistence.idempotency import KeyRef
from bookings.persistence.pool import connection_pool

RACERS = 50
NOW = datetime.now(UTC).replace(microsecond=0)
CONTEXT = Context(clock=lambda: NOW, reminder_lead=timedelta(minutes=10))


@pytest.fixture
async def pool(postgres_url: str) -> AsyncIterator[AsyncConnectionPool[AsyncConnection[Any]]]:
    pool = connection_pool(postgres_url, size=20)
    await pool.open(wait=True)
    yield pool
    await pool.close()


@pytest.fixture
def commands(pool: AsyncConnectionPool[AsyncConnection[Any]]) -> BookingCommands:
    return BookingCommands(pool, CONTEXT, key_ttl=timedelta(hours=1))


def racing_create(actor: Actor, offset_minutes: int) -> CreateBooking:
    start = NOW + timedelta(days=1, minutes=offset_minutes)
    return CreateBooking(actor, "Race", start, start + timedelta(hours=1))


async def test_concurrent_overlapping_creates_yield_one_booking_and_conflicts(
    commands: BookingCommands,
) -> None:
    actor = Actor(id="racing-provider")
    # Every slot overlaps every other one (all start within 49 minutes and last an hour).
    outcomes = await asyncio.gather(
        *(commands.create(racing_create(actor, offset), None) for offset in range(RACERS)),
        return_exceptions=True,
    )
    winners = [o for o in outcomes if isinstance(o, Answer)]
    conflicts = [o for o in outcomes if isinstance(o, BookingConflict)]
    assert len(winners) + len(conflicts) == RACERS, [repr(o) for o in outcomes][:3]
    assert len(winners) == 1
    assert len(conflicts) == RACERS - 1
    # An insert that meets an in-flight overlapping one waits for it to commit or roll back, so
    # every loser collided with the one committed winner, and is told its id.
    winner_id = msgspec.json.decode(winners[0].body)["id"]
    assert {str(c.conflicting_booking_id) for c in conflicts} == {winner_id}


async def test_concurrent_retries_with_one_key_act_once_and_answer_alike(
    commands: BookingCommands, pool: AsyncConnectionPool[AsyncConnection[Any]]
) -> None:
    actor = Actor(id="retrying-provider")
    command = racing_create(actor, 0)
    keyed = Keyed(ref=KeyRef(actor.id, "same-key"), fingerprint="f", path="/bookings")
    answers = await asyncio.gather(*(commands.create(command, keyed) for _ in range(10)))
    assert {answer.body for answer in answers} == {answers[0].body}
    assert sum(not answer.replayed for answer in answers) == 1
    async with pool.connection() as connection:
        cursor = await connection.execute(
            "SELECT count(*) FROM bookings WHERE provider_id = %s", [actor.id]
        )
        assert await cursor.fetchone() == (1,)
