"""Idempotency keys on a real PostgreSQL: claims inside transactions, replays, waits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from psycopg import AsyncConnection, Rollback

from bookings.persistence import idempotency
from bookings.persistence.idempotency import (
    IN_FLIGHT_WAIT,
    Claim,
    ClaimOutcome,
    KeyRef,
    StoredResponse,
)
from bookings.persistence.urls import libpq_url

NOW = datetime(2030, 1, 1, 12, tzinfo=UTC)
TTL = timedelta(hours=24)
Connection = AsyncConnection[Any]


@pytest.fixture
async def connect(postgres_url: str) -> AsyncIterator[Any]:
    opened: list[Connection] = []

    async def open_one() -> Connection:
        connection = await AsyncConnection.connect(libpq_url(postgres_url), autocommit=True)
        opened.append(connection)
        return connection

    yield open_one
    for connection in opened:
        await connection.close()


@pytest.fixture
def ref() -> KeyRef:
    return KeyRef(principal="p1", key=uuid4().hex)


async def claim(
    connection: Connection,
    ref: KeyRef,
    fingerprint: str,
    *,
    now: datetime = NOW,
    response: StoredResponse | None = None,
) -> Claim:
    """One claim in a transaction of its own, storing `response` when claimed (else nothing)."""
    async with connection.transaction():
        result = await idempotency.claim(connection, ref, fingerprint, now=now, ttl=TTL)
        if result.outcome is not ClaimOutcome.CLAIMED:
            raise Rollback()
        if response is None:
            raise Rollback()  # the request failed: its claim goes with its transaction
        await idempotency.record(connection, ref, response)
    return result


async def test_a_committed_key_replays_its_response(connect: Any, ref: KeyRef) -> None:
    connection = await connect()
    first = await claim(connection, ref, "f", response=StoredResponse(201, b'{"id": 1}'))
    again = await claim(connection, ref, "f")
    assert first.outcome is ClaimOutcome.CLAIMED
    assert again == Claim(ClaimOutcome.REPLAY, StoredResponse(201, b'{"id": 1}'))


async def test_a_committed_key_refuses_another_request(connect: Any, ref: KeyRef) -> None:
    connection = await connect()
    await claim(connection, ref, "f", response=StoredResponse(201, b"{}"))
    assert (await claim(connection, ref, "other")).outcome is ClaimOutcome.MISMATCH


async def test_keys_are_per_principal(connect: Any, ref: KeyRef) -> None:
    connection = await connect()
    await claim(connection, ref, "f", response=StoredResponse(201, b"{}"))
    other = await claim(connection, KeyRef("p2", ref.key), "f", response=StoredResponse(201, b""))
    assert other.outcome is ClaimOutcome.CLAIMED


async def test_a_rolled_back_claim_leaves_the_key_free(connect: Any, ref: KeyRef) -> None:
    connection = await connect()
    assert (await claim(connection, ref, "f")).outcome is ClaimOutcome.CLAIMED
    assert (await claim(connection, ref, "f")).outcome is ClaimOutcome.CLAIMED


async def test_an_expired_key_is_a_new_key(connect: Any, ref: KeyRef) -> None:
    connection = await connect()
    await claim(connection, ref, "f", response=StoredResponse(201, b"{}"))
    later = NOW + TTL + timedelta(seconds=1)
    taken = await claim(connection, ref, "other", now=later, response=StoredResponse(200, b""))
    assert taken.outcome is ClaimOutcome.CLAIMED


async def test_a_concurrent_claim_waits_for_the_first_and_replays_it(
    connect: Any, ref: KeyRef
) -> None:
    first, second = await connect(), await connect()
    async with first.transaction():
        await idempotency.claim(first, ref, "f", now=NOW, ttl=TTL)
        waiting = asyncio.create_task(claim(second, ref, "f"))
        await asyncio.sleep(0.3)
        assert not waiting.done()  # blocked on the first request's uncommitted claim
        await idempotency.record(first, ref, StoredResponse(201, b"first"))
    assert await waiting == Claim(ClaimOutcome.REPLAY, StoredResponse(201, b"first"))


async def test_a_claim_held_longer_than_the_wait_is_in_flight(connect: Any, ref: KeyRef) -> None:
    first, second = await connect(), await connect()
    async with first.transaction():
        await idempotency.claim(first, ref, "f", now=NOW, ttl=TTL)
        began = time.monotonic()
        outcome = await claim(second, ref, "f")
        waited = time.monotonic() - began
    assert outcome.outcome is ClaimOutcome.IN_FLIGHT
    assert waited >= IN_FLIGHT_WAIT.total_seconds() * 0.9


async def test_keep_stores_a_refusal_unless_a_response_is_there(connect: Any, ref: KeyRef) -> None:
    connection = await connect()
    await idempotency.keep(connection, ref, "f", StoredResponse(409, b"conflict"), now=NOW)
    await idempotency.keep(connection, ref, "f", StoredResponse(201, b"later"), now=NOW)
    assert await claim(connection, ref, "f") == Claim(
        ClaimOutcome.REPLAY, StoredResponse(409, b"conflict")
    )


async def test_after_a_claim_locks_are_waited_for_as_the_database_is_configured(
    connect: Any, ref: KeyRef, postgres_url: str
) -> None:
    admin = await connect()
    database = postgres_url.rsplit("/", 1)[1]
    await admin.execute(f"ALTER DATABASE \"{database}\" SET lock_timeout = '1234ms'")
    try:
        connection = await connect()  # takes the database's settings as it starts
        async with connection.transaction():
            result = await idempotency.claim(connection, ref, "f", now=NOW, ttl=TTL)
            cursor = await connection.execute("SHOW lock_timeout")
            after_claim = await cursor.fetchone()
    finally:
        await admin.execute(f'ALTER DATABASE "{database}" RESET lock_timeout')
    assert result.outcome is ClaimOutcome.CLAIMED
    assert after_claim == ("1234ms",)
