"""Running a state change under an optional `Idempotency-Key`.

Keys are per principal. The first request with a key is run and its response stored (in the
same transaction as the change it made, see bookings.persistence.idempotency); a retry with the
same method, path and body gets that response again, status and body alike, marked with
`Idempotent-Replayed: true`. Responses to domain errors (409, 422, ...) are stored and replayed
too; a request that fails unexpectedly releases its key so it can be retried.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import msgspec
from litestar import Request, Response

from bookings.api.errors import IdempotencyKeyReused, InvalidIdempotencyKey, RequestInFlight
from bookings.api.problems import PROBLEM_JSON, problem_of
from bookings.api.schemas import BookingResponse
from bookings.api.services import Services
from bookings.domain.access import Actor
from bookings.domain.model import Booking
from bookings.persistence.idempotency import ClaimOutcome, KeyRef, StoredResponse
from bookings.persistence.uow import SqlUnitOfWork

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
REPLAYED_HEADER = "Idempotent-Replayed"
_encoder = msgspec.json.Encoder()

Work = Callable[[SqlUnitOfWork], Booking]


async def run_state_change(
    request: Request[Any, Any, Any],
    services: Services,
    actor: Actor,
    key: str | None,
    work: Work,
    *,
    status_code: int,
) -> Response[BookingResponse]:
    """Runs `work` once per idempotency key and answers with the booking it leaves."""
    if key is None:
        booking = await services.database.run(work)
        return Response(BookingResponse.of(booking), status_code=status_code)
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise InvalidIdempotencyKey(f"Idempotency-Key must be 1-{MAX_KEY_LENGTH} characters")
    # Keys are per principal: the actor's id is the token's `sub`.
    ref = KeyRef(principal=actor.id, key=key)
    claim = await services.idempotency.claim(
        ref, await _fingerprint(request), now=services.context.clock()
    )
    if claim.outcome is ClaimOutcome.MISMATCH:
        raise IdempotencyKeyReused("this Idempotency-Key was used for a different request")
    if claim.outcome is ClaimOutcome.IN_FLIGHT:
        raise RequestInFlight("a request with this Idempotency-Key is still being processed")
    if claim.outcome is ClaimOutcome.REPLAY and claim.response is not None:
        return _replay(claim.response)

    def render(booking: Booking) -> StoredResponse:
        return StoredResponse(status_code, _encoder.encode(BookingResponse.of(booking)))

    try:
        booking = await services.idempotency.run_recorded(ref, work, render)
    except Exception as error:
        spec = problem_of(error)
        if spec is not None and spec.status < 500:
            body = _encoder.encode(spec.document(instance=request.url.path))
            await services.idempotency.store(ref, StoredResponse(spec.status, body))
        else:
            await services.idempotency.release(ref)
        raise
    return Response(BookingResponse.of(booking), status_code=status_code)


async def _fingerprint(request: Request[Any, Any, Any]) -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.url.path}\n".encode())
    digest.update(await request.body())
    return digest.hexdigest()


def is_replay(response: Response[Any]) -> bool:
    return REPLAYED_HEADER in response.headers


def _replay(stored: StoredResponse) -> Response[Any]:
    media_type = PROBLEM_JSON if stored.status_code >= 400 else "application/json"
    return Response(
        content=stored.body,
        status_code=stored.status_code,
        media_type=media_type,
        headers={REPLAYED_HEADER: "true"},
    )
