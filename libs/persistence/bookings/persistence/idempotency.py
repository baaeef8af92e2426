"""Idempotency keys: a retried request gets the first response instead of acting twice.

A key is claimed first, in a transaction of its own, so that a concurrent request with the same
key sees it in flight (`status_code` NULL). The response is then stored in the same transaction
as the state change (`RecordingUnitOfWork`): a committed booking always has its stored response,
and a claim that is still empty after `ABANDONED_AFTER` belongs to a request that committed
nothing (its process died), so it may be claimed again. Keys live for `KEY_TTL`; expired rows
are ignored here and swept by the worker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, Connection, and_, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert

from bookings.domain.model import Booking
from bookings.persistence.database import AsyncDatabase
from bookings.persistence.tables import idempotency_keys
from bookings.persistence.uow import SqlUnitOfWork

KEY_TTL = timedelta(hours=24)
ABANDONED_AFTER = timedelta(seconds=60)


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


def claim_key(connection: Connection, ref: KeyRef, fingerprint: str, *, now: datetime) -> Claim:
    """Claims `ref` for a request with `fingerprint`, in a transaction of its own."""
    statement = (
        insert(idempotency_keys)
        .values(
            principal=ref.principal,
            key=ref.key,
            fingerprint=fingerprint,
            status_code=None,
            response_body=None,
            created_at=now,
        )
        .on_conflict_do_update(
            index_elements=[idempotency_keys.c.principal, idempotency_keys.c.key],
            set_={
                "fingerprint": fingerprint,
                "status_code": None,
                "response_body": None,
                "created_at": now,
            },
            # Take over only an expired key or an abandoned claim; a live one is kept.
            where=or_(
                idempotency_keys.c.created_at <= now - KEY_TTL,
                and_(
                    idempotency_keys.c.status_code.is_(None),
                    idempotency_keys.c.created_at <= now - ABANDONED_AFTER,
                ),
            ),
        )
        .returning(idempotency_keys.c.key)
    )
    with connection.begin():
        if connection.execute(statement).first() is not None:
            return Claim(ClaimOutcome.CLAIMED)
        row = connection.execute(
            select(
                idempotency_keys.c.fingerprint,
                idempotency_keys.c.status_code,
                idempotency_keys.c.response_body,
            ).where(*_matches(ref))
        ).first()
    # A row that vanished between the two statements was released by its request: still busy.
    if row is None or row.status_code is None:
        return Claim(ClaimOutcome.IN_FLIGHT)
    if row.fingerprint != fingerprint:
        return Claim(ClaimOutcome.MISMATCH)
    return Claim(ClaimOutcome.REPLAY, StoredResponse(row.status_code, bytes(row.response_body)))


def record_response(connection: Connection, ref: KeyRef, response: StoredResponse) -> None:
    """Stores the response of a claimed key, inside the caller's transaction."""
    connection.execute(
        update(idempotency_keys)
        .where(*_matches(ref), idempotency_keys.c.status_code.is_(None))
        .values(status_code=response.status_code, response_body=response.body)
    )


def release_key(connection: Connection, ref: KeyRef) -> None:
    """Forgets a claim whose request failed unexpectedly, so that a retry can run."""
    with connection.begin():
        connection.execute(
            delete(idempotency_keys).where(*_matches(ref), idempotency_keys.c.status_code.is_(None))
        )


def _matches(ref: KeyRef) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    return (idempotency_keys.c.principal == ref.principal, idempotency_keys.c.key == ref.key)


class RecordingUnitOfWork(SqlUnitOfWork):
    """A unit of work that stores the key's response in the transaction it commits.

    `render` turns the booking the work changed into the response, as it will be sent.
    """

    def __init__(
        self,
        connection: Connection,
        ref: KeyRef,
        render: Callable[[Booking], StoredResponse],
    ) -> None:
        super().__init__(connection)
        self._ref = ref
        self._render = render
        self.recorded = False

    def commit(self) -> None:
        if self.bookings.seen:
            record_response(self._connection, self._ref, self._render(self.bookings.seen[-1]))
            self.recorded = True
        super().commit()


class IdempotencyStore:
    """The async face of the functions above, for the API."""

    def __init__(self, database: AsyncDatabase) -> None:
        self._engine = database.engine

    async def claim(self, ref: KeyRef, fingerprint: str, *, now: datetime) -> Claim:
        async with self._engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: claim_key(sync, ref, fingerprint, now=now)
            )

    async def run_recorded(
        self,
        ref: KeyRef,
        work: Callable[[SqlUnitOfWork], Booking],
        render: Callable[[Booking], StoredResponse],
    ) -> Booking:
        """Runs `work` (a handler call); its response is stored whether or not it committed."""

        def run(connection: Connection) -> Booking:
            uow = RecordingUnitOfWork(connection, ref, render)
            result = work(uow)
            if not uow.recorded:  # nothing changed, so nothing committed: store it alone
                with connection.begin():
                    record_response(connection, ref, render(result))
            return result

        async with self._engine.connect() as connection:
            return await connection.run_sync(run)

    async def store(self, ref: KeyRef, response: StoredResponse) -> None:
        """Stores the response of a request that failed without changing anything."""

        def run(connection: Connection) -> None:
            with connection.begin():
                record_response(connection, ref, response)

        async with self._engine.connect() as connection:
            await connection.run_sync(run)

    async def release(self, ref: KeyRef) -> None:
        async with self._engine.connect() as connection:
            await connection.run_sync(lambda sync: release_key(sync, ref))
