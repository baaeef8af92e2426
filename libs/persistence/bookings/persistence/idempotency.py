"""Idempotency keys: a retried request gets the first response instead of acting twice.

A write with a key runs in one transaction on one connection: it claims the key (inserting its
row), makes the change, stores the response it is about to send in that row, and commits. A
concurrent request with the same key waits for that transaction (up to `IN_FLIGHT_WAIT`), then
replays what it stored; one that is still running after that is IN_FLIGHT. A transaction that
rolls back takes its claim with it, so a retry runs again. Keys live for the key TTL: an expired
row is taken over by the next claim, and the worker sweeps the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from psycopg import AsyncConnection
from psycopg.errors import LockNotAvailable
from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects.postgresql import insert

from bookings.persistence.statements import compiled
from bookings.persistence.tables import idempotency_keys as keys

# How long a request waits for another request with the same key to finish.
IN_FLIGHT_WAIT = timedelta(seconds=2)
_COLUMNS = ["principal", "key", "fingerprint", "status_code", "response_body", "created_at"]
_insert = insert(keys)
_MATCHES = (keys.c.principal == bindparam("principal"), keys.c.key == bindparam("key"))
# Takes the key unless a live row holds it: a row older than `expired_before` is taken over.
_CLAIM = compiled(
    _insert.on_conflict_do_update(
        index_elements=[keys.c.principal, keys.c.key],
        set_={name: _insert.excluded[name] for name in _COLUMNS[2:]},
        where=keys.c.created_at < bindparam("expired_before", type_=keys.c.created_at.type),
    ).returning(keys.c.key),
    values=_COLUMNS,
)
_STORED = compiled(
    select(keys.c.fingerprint, keys.c.status_code, keys.c.response_body).where(*_MATCHES)
)
_RECORD = compiled(update(keys).where(*_MATCHES), values=["status_code", "response_body"])
_KEEP = compiled(_insert.on_conflict_do_nothing(), values=_COLUMNS)
_LOCK_TIMEOUT = "SELECT set_config('lock_timeout', %(timeout)s, true)"
# Back, for the rest of the transaction, to the value the session started with (the server's,
# the database's or the role's).
_CONFIGURED_LOCK_TIMEOUT = "SET LOCAL lock_timeout TO DEFAULT"


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: bytes


class ClaimOutcome(StrEnum):
    CLAIMED = "claimed"  # go ahead; this request owns the key
    REPLAY = "replay"  # answered before: send `response` again
    IN_FLIGHT = "in_flight"  # the first request with this key has not finished
    MISMATCH = "mismatch"  # the key was used for another request


@dataclass(frozen=True)
class Claim:
    outcome: ClaimOutcome
    response: StoredResponse | None = None


@dataclass(frozen=True)
class KeyRef:
    principal: str
    key: str


async def claim(
    connection: AsyncConnection[Any],
    ref: KeyRef,
    fingerprint: str,
    *,
    now: datetime,
    ttl: timedelta,
) -> Claim:
    """Claims `ref` for a request with `fingerprint`, inside the caller's transaction.

    Anything but CLAIMED leaves the transaction unusable for writes: end it.
    """
    params = _row(ref, fingerprint, None, now) | {"expired_before": now - ttl}
    wait_ms = int(IN_FLIGHT_WAIT.total_seconds() * 1000)
    await connection.execute(_LOCK_TIMEOUT, {"timeout": f"{wait_ms}ms"})
    try:
        cursor = await connection.execute(_CLAIM, params)
        claimed = await cursor.fetchone() is not None
    except LockNotAvailable:
        return Claim(ClaimOutcome.IN_FLIGHT)
    # Later statements of the transaction wait for locks as configured.
    await connection.execute(_CONFIGURED_LOCK_TIMEOUT)
    if claimed:
        return Claim(ClaimOutcome.CLAIMED)
    cursor = await connection.execute(_STORED, {"principal": ref.principal, "key": ref.key})
    row = await cursor.fetchone()
    if row is None or row[1] is None:  # a row without a response is a request still running
        return Claim(ClaimOutcome.IN_FLIGHT)
    if row[0] != fingerprint:
        return Claim(ClaimOutcome.MISMATCH)
    return Claim(ClaimOutcome.REPLAY, StoredResponse(row[1], bytes(row[2])))


async def record(connection: AsyncConnection[Any], ref: KeyRef, response: StoredResponse) -> None:
    """Stores the response of a claimed key, inside the transaction that claimed it."""
    params = {
        "principal": ref.principal,
        "key": ref.key,
        "status_code": response.status_code,
        "response_body": response.body,
    }
    await connection.execute(_RECORD, params)


async def keep(
    connection: AsyncConnection[Any],
    ref: KeyRef,
    fingerprint: str,
    response: StoredResponse,
    *,
    now: datetime,
) -> None:
    """Stores the response of a request that changed nothing (a refused one, e.g. a 409), unless
    another request with the key stored one first."""
    await connection.execute(_KEEP, _row(ref, fingerprint, response, now))


def _row(
    ref: KeyRef, fingerprint: str, response: StoredResponse | None, now: datetime
) -> dict[str, Any]:
    return {
        "principal": ref.principal,
        "key": ref.key,
        "fingerprint": fingerprint,
        "status_code": None if response is None else response.status_code,
        "response_body": None if response is None else response.body,
        "created_at": now,
    }
