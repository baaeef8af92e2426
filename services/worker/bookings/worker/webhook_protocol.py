"""The webhook protocol (Standard Webhooks v1.0.0): what an attempt's request carries, and what
its answer makes of the delivery (`webhook_attempts` sends the request).

The body is `{"type", "timestamp", "data"}`, with `data` the bytes encoded when the event's
change committed, copied as raw JSON (never decoded and encoded again), so receivers get the
very `data` every other carrier of the event has. `webhook-id` is the event id, the same on
every attempt (receivers deduplicate on it); `webhook-timestamp` is the attempt's own time,
which receivers check for freshness; `webhook-signature` signs `id.timestamp.body` with the
endpoint's secret and, while it has not expired, the secret it replaced.

A 2xx answer delivers. Anything else, no answer in time or no connection is retried after the
next wait of the schedule (with jitter, so that deliveries that failed together do not all come
back together), and fails once the schedule is used up: a delivery retried by hand after that
gets exactly one more attempt. A 429 or 503 with `Retry-After` waits at least that long. 410
Gone fails the delivery and disables its endpoint.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Final
from uuid import UUID

import msgspec

from bookings.events.encoding import timestamp
from bookings.persistence.webhook_deliveries import DELIVERED, FAILED, PENDING
from bookings.webhooks.signing import secret_key, signature_header
from bookings.worker.webhook_settings import MAX_RETRY_WAIT_S

USER_AGENT: Final = "bookings-webhooks/1.0"
# What is kept of an answer's body (of the `webhook_attempts.MAX_BODY_BYTES` read).
ERROR_BYTES: Final = 1024
JITTER: Final = 0.1  # each wait is drawn within ±10 % of the schedule's
GONE: Final = 410
RETRY_AFTER_STATUSES: Final = frozenset({429, 503})

_ENCODER: Final = msgspec.json.Encoder()


class _Message(msgspec.Struct):
    type: str
    timestamp: str
    data: msgspec.Raw


def message_body(event_type: str, occurred_at: datetime, data: bytes) -> bytes:
    return _ENCODER.encode(_Message(event_type, timestamp(occurred_at), msgspec.Raw(data)))


def signing_keys(secret: str, previous_secret: str | None) -> list[bytes]:
    """The current secret's key, then the previous one's while it still signs."""
    keys = [secret_key(secret)]
    if previous_secret is not None:
        keys.append(secret_key(previous_secret))
    return keys


def request_headers(
    event_id: UUID, sent_at: int, body: bytes, keys: Sequence[bytes]
) -> dict[str, str]:
    message_id = str(event_id)
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        # The body is read raw: a compressed answer could unpack far beyond the bound.
        "accept-encoding": "identity",
        "webhook-id": message_id,
        "webhook-timestamp": str(sent_at),
        "webhook-signature": signature_header(keys, message_id, sent_at, body),
    }


@dataclass(frozen=True)
class Verdict:
    """What an attempt makes of its delivery: delivered, failed, or pending again after
    `retry_in_s`; `endpoint_gone` when the endpoint answered 410."""

    status: str
    retry_in_s: float | None = None
    endpoint_gone: bool = False


def judge(
    status_code: int | None,
    *,
    attempts: int,
    schedule: Sequence[timedelta],
    retry_after_s: float | None = None,
    rng: random.Random | None = None,
) -> Verdict:
    """The verdict on an attempt that got `status_code` (None: no answer), the delivery's
    `attempts`-th (this one included)."""
    if status_code is not None and 200 <= status_code < 300:
        return Verdict(DELIVERED)
    if status_code == GONE:
        return Verdict(FAILED, endpoint_gone=True)
    if attempts > len(schedule):  # also a retry by hand after the schedule was used up
        return Verdict(FAILED)
    wait = schedule[attempts - 1].total_seconds()
    wait *= (rng or random).uniform(1 - JITTER, 1 + JITTER)
    if status_code in RETRY_AFTER_STATUSES and retry_after_s is not None:
        wait = max(wait, min(retry_after_s, MAX_RETRY_WAIT_S))
    return Verdict(PENDING, retry_in_s=wait)


def retry_after_seconds(value: str | None, *, now: datetime) -> float | None:
    """`Retry-After` as seconds from `now`: a number of seconds or an HTTP date; None if
    absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:  # RFC 9110 dates are GMT; an obsolete form may come without
        return None
    seconds = (moment - now).total_seconds()
    return max(seconds, 0.0) if math.isfinite(seconds) else None


def error_text(body: bytes) -> str | None:
    """The first KiB of an answer's body, as text whatever its encoding (None if empty)."""
    text = body[:ERROR_BYTES].decode("utf-8", errors="replace").replace("\x00", "\ufffd")
    return text or None
