"""One attempt of a webhook delivery over HTTP: its signed request, sent on the sender's client,
and what came back.

`WEBHOOK_TIMEOUT_SECONDS` bounds the whole attempt: name resolution, connecting, sending, and
reading the answer, of which at most `MAX_BODY_BYTES` is read, as it comes (the rest is left
unread). Every failure is the attempt's, none is the sender's loop's: it comes back as the
result's `error`, the text recorded as the delivery's `last_error`.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

import httpx
import structlog

from bookings.persistence.delivery_claims import ClaimedDelivery
from bookings.webhooks.signing import MalformedSecret
from bookings.webhooks.targets import ForbiddenTarget
from bookings.worker.webhook_protocol import (
    error_text,
    message_body,
    request_headers,
    retry_after_seconds,
    signing_keys,
)
from bookings.worker.webhook_transport import POOL

log = structlog.get_logger(__name__)

# What is read of an answer's body (the rest is left unread).
MAX_BODY_BYTES: Final = 64 * 1024


@dataclass(frozen=True)
class AttemptResult:
    """What an attempt got: the answer's status (None: no answer), the error to record (None
    for a 2xx answer) and the answer's `Retry-After` in seconds."""

    status_code: int | None
    error: str | None
    retry_after_s: float | None


async def attempt_delivery(
    delivery: ClaimedDelivery, client: httpx.AsyncClient, *, timeout_s: float
) -> AttemptResult:
    """Sends the delivery within `timeout_s`; a failure comes back as the result's `error`."""
    status_code: int | None = None
    retry_after: float | None = None
    try:
        status_code, body, retry_after = await _send(delivery, client, timeout_s)
        error = None if 200 <= status_code < 300 else error_text(body)
    except Exception as failure:  # every failure is the attempt's, none is the loop's
        error = _describe(failure, delivery, timeout_s)
    return AttemptResult(status_code=status_code, error=error, retry_after_s=retry_after)


async def _send(
    delivery: ClaimedDelivery, client: httpx.AsyncClient, timeout_s: float
) -> tuple[int, bytes, float | None]:
    """The answer's status, the start of its body and its `Retry-After` in seconds."""
    body = message_body(delivery.event_type, delivery.occurred_at, delivery.data)
    sent_at = int(time.time())
    keys = signing_keys(delivery.secret, delivery.previous_secret)
    headers = request_headers(delivery.event_id, sent_at, body, keys)
    deadline = asyncio.get_running_loop().time() + timeout_s
    async with asyncio.timeout_at(deadline):
        request = client.build_request(
            "POST",
            delivery.url,
            content=body,
            headers=headers,
            extensions={POOL: delivery.endpoint_id},  # connections of its own
        )
        response = await client.send(request, stream=True)
    try:
        answer = await _read_at_most(response, MAX_BODY_BYTES, deadline=deadline)
    finally:
        await response.aclose()
    retry_after = retry_after_seconds(response.headers.get("retry-after"), now=datetime.now(UTC))
    return response.status_code, answer, retry_after


def _describe(failure: Exception, delivery: ClaimedDelivery, timeout_s: float) -> str:
    if isinstance(failure, TimeoutError | httpx.TimeoutException):
        return f"timed out after {timeout_s:g} s"
    if isinstance(failure, ForbiddenTarget):
        return f"refused target: {failure}"
    if isinstance(failure, httpx.ConnectError):
        return f"connection failed: {failure}"
    if isinstance(failure, httpx.HTTPError):
        return f"request failed: {type(failure).__name__}: {failure}"
    if isinstance(failure, MalformedSecret):
        return f"the endpoint's secret is unusable: {failure}"
    log.exception("webhook attempt failed", delivery_id=str(delivery.id))
    return f"internal error: {type(failure).__name__}"


async def _read_at_most(response: httpx.Response, limit: int, *, deadline: float) -> bytes:
    """Up to `limit` bytes of the body, as they come (unread beyond); what arrived by the
    deadline or before the connection failed."""
    received = bytearray()
    try:
        async with asyncio.timeout_at(deadline):
            async for chunk in response.aiter_raw():
                received += chunk
                if len(received) >= limit:
                    break
    except (TimeoutError, httpx.HTTPError):
        pass
    return bytes(received[:limit])
