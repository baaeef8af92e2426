"""The booking commands over psycopg: one pooled connection per attempt.

Each command loads what its decision needs, calls the decision (`bookings.domain.decisions`)
and stores the outcome, which writes its event too (`bookings.persistence.writes`). Without an
Idempotency-Key no explicit transaction is needed: a create is one statement, one round trip;
a cancel or change reads, decides, then saves on the version it read. With a key, everything
runs in one pipelined transaction: the key is claimed, the change made, and the response stored
with it; the response is encoded once, sent, and replayed byte for byte.

A command is attempted again when it lost a race: its booking changed between read and save
(StaleBooking), or PostgreSQL broke a deadlock or serialization conflict by aborting it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import msgspec
from psycopg import AsyncConnection, Rollback
from psycopg.errors import DeadlockDetected, ExclusionViolation, SerializationFailure
from psycopg_pool import AsyncConnectionPool

from bookings.api.availability import check_within_schedule
from bookings.api.errors import IdempotencyKeyReused, RequestInFlight
from bookings.api.problems import problem_of
from bookings.api.schemas import BookingResponse
from bookings.domain import decisions
from bookings.domain.commands import CancelBooking, ChangeBooking, CreateBooking
from bookings.domain.decisions import Context
from bookings.domain.errors import StaleBooking
from bookings.domain.model import Booking
from bookings.persistence import idempotency, writes
from bookings.persistence.conflicts import conflict_of
from bookings.persistence.idempotency import Claim, ClaimOutcome, KeyRef, StoredResponse

# Attempts of a command that lost a race (see the module's docstring).
ATTEMPTS = 3
_LOST_RACE = (StaleBooking, DeadlockDetected, SerializationFailure)
_encoder = msgspec.json.Encoder()
Apply = Callable[[AsyncConnection[Any]], Awaitable[Booking]]


@dataclass(frozen=True)
class Keyed:
    """A request carrying an Idempotency-Key: whose key, and what the request was."""

    ref: KeyRef
    fingerprint: str
    path: str


@dataclass(frozen=True)
class Answer:
    """A response as it is sent (and stored for replays): status and encoded body."""

    status_code: int
    body: bytes
    replayed: bool = False


class BookingCommands:
    def __init__(
        self,
        pool: AsyncConnectionPool[AsyncConnection[Any]],
        context: Context,
        *,
        key_ttl: timedelta,
    ) -> None:
        self._pool = pool
        self._context = context
        self._key_ttl = key_ttl

    async def create(
        self, command: CreateBooking, keyed: Keyed | None, *, within_schedule: bool = False
    ) -> Answer:
        """`within_schedule`: refuse a time outside the provider's free slots."""

        async def apply(connection: AsyncConnection[Any]) -> Booking:
            booking = decisions.new_booking(command, self._context)
            if not within_schedule:
                await writes.add_booking(connection, booking)
                return booking
            async with connection.transaction():
                await check_within_schedule(connection, booking, self._context.clock())
                await writes.add_booking(connection, booking)
            return booking

        return await self._run(apply, keyed, status_code=201)

    async def cancel(self, command: CancelBooking, keyed: Keyed | None) -> Answer:
        async def apply(connection: AsyncConnection[Any]) -> Booking:
            loaded, loaded_version = await _load(connection, command)
            booking = decisions.cancel(command, loaded, self._context)
            await writes.save_booking(connection, booking, loaded_version)
            return booking

        return await self._run(apply, keyed, status_code=200)

    async def change(self, command: ChangeBooking, keyed: Keyed | None) -> Answer:
        async def apply(connection: AsyncConnection[Any]) -> Booking:
            loaded, loaded_version = await _load(connection, command)
            booking, changed = decisions.change(command, loaded, self._context)
            if changed:
                await writes.save_booking(connection, booking, loaded_version)
            return booking

        return await self._run(apply, keyed, status_code=200)

    async def _run(self, apply: Apply, keyed: Keyed | None, *, status_code: int) -> Answer:
        attempt = 1
        while True:
            try:
                return await self._attempt(apply, keyed, status_code)
            except _LOST_RACE:
                if attempt == ATTEMPTS:
                    raise
                attempt += 1
            except Exception as error:
                if keyed is not None:
                    await self._keep_refusal(keyed, error)
                raise

    async def _attempt(self, apply: Apply, keyed: Keyed | None, status_code: int) -> Answer:
        try:
            async with self._pool.connection() as connection:
                if keyed is None:
                    booking = await apply(connection)
                    return Answer(status_code, _encoder.encode(BookingResponse.of(booking)))
                return await self._attempt_keyed(connection, apply, keyed, status_code)
        except ExclusionViolation as error:
            raise conflict_of(error) from None

    async def _attempt_keyed(
        self, connection: AsyncConnection[Any], apply: Apply, keyed: Keyed, status_code: int
    ) -> Answer:
        refusal: Claim | None = None
        async with connection.pipeline(), connection.transaction():
            claim = await idempotency.claim(
                connection,
                keyed.ref,
                keyed.fingerprint,
                now=self._context.clock(),
                ttl=self._key_ttl,
            )
            if claim.outcome is not ClaimOutcome.CLAIMED:
                refusal = claim
                raise Rollback()  # ends the transaction, then carries on below
            booking = await apply(connection)
            answer = Answer(status_code, _encoder.encode(BookingResponse.of(booking)))
            stored = StoredResponse(answer.status_code, answer.body)
            await idempotency.record(connection, keyed.ref, stored)
        if refusal is not None:
            return _answer_to(refusal)
        return answer

    async def _keep_refusal(self, keyed: Keyed, error: Exception) -> None:
        """A refused request (4xx) is answered the same way on a retry with its key."""
        spec = problem_of(error)
        if spec is None or spec.status >= 500 or isinstance(error, _NOT_STORED):
            return
        body = _encoder.encode(spec.document(instance=keyed.path))
        async with self._pool.connection() as connection:
            await idempotency.keep(
                connection,
                keyed.ref,
                keyed.fingerprint,
                StoredResponse(spec.status, body),
                now=self._context.clock(),
            )


async def _load(
    connection: AsyncConnection[Any], command: CancelBooking | ChangeBooking
) -> tuple[Booking | None, int]:
    """The booking a command acts on, if its actor may see it, and the version to save on."""
    loaded = await writes.load_booking(
        connection, command.booking_id, command.actor.visible_provider
    )
    return loaded, 0 if loaded is None else loaded.version


# Refusals about the key itself: the key stays with the request that first used it.
_NOT_STORED = (IdempotencyKeyReused, RequestInFlight)


def _answer_to(claim: Claim) -> Answer:
    if claim.outcome is ClaimOutcome.MISMATCH:
        raise IdempotencyKeyReused("this Idempotency-Key was used for a different request")
    if claim.outcome is ClaimOutcome.IN_FLIGHT or claim.response is None:
        raise RequestInFlight("a request with this Idempotency-Key is still being processed")
    return Answer(claim.response.status_code, claim.response.body, replayed=True)
