"""The HTTP side of `Idempotency-Key`: reading the header, and answering (or replaying).

Keys are per principal. The first request with a key is run and its response stored in the
transaction of the change it made (see `commands`); a retry with the same method, path and
body gets that response again, status and body byte for byte, marked `Idempotent-Replayed:
true`. Refusals (409, 422, ...) are stored and replayed too; a request that fails unexpectedly
stores nothing, so it can be retried.
"""

from __future__ import annotations

import hashlib
from typing import Any

from litestar import Request, Response

from bookings.api.commands import Answer, Keyed
from bookings.api.errors import InvalidIdempotencyKey
from bookings.api.problems import PROBLEM_JSON
from bookings.domain.access import Actor
from bookings.persistence.idempotency import KeyRef

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
REPLAYED_HEADER = "Idempotent-Replayed"


async def keyed(request: Request[Any, Any, Any], actor: Actor, key: str | None) -> Keyed | None:
    """The request's key, bound to its principal and to what it asks; None without a key."""
    if key is None:
        return None
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise InvalidIdempotencyKey(f"Idempotency-Key must be 1-{MAX_KEY_LENGTH} characters")
    path = request.url.path
    query = request.url.query
    target = f"{path}?{query}" if query else path
    digest = hashlib.sha256(f"{request.method} {target}\n".encode())
    digest.update(await request.body())
    # Keys are per principal: the actor's id is the token's `sub`.
    return Keyed(ref=KeyRef(principal=actor.id, key=key), fingerprint=digest.hexdigest(), path=path)


def respond(answer: Answer) -> Response[Any]:
    return Response(
        content=answer.body,
        status_code=answer.status_code,
        media_type=PROBLEM_JSON if answer.status_code >= 400 else "application/json",
        headers={REPLAYED_HEADER: "true"} if answer.replayed else None,
    )
