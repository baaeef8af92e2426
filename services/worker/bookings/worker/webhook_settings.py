"""Settings of the webhooks role (and of the reconciler's sweep of finished deliveries)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from bookings.runtime.env import ConfigError, Env

DEFAULT_RETRY_SCHEDULE = "5,300,1800,7200,18000,36000,50400,72000,86400"
# A wait longer than this is surely a typo (and would overflow a timestamp if huge).
MAX_RETRY_WAIT_S = 30 * 24 * 3600
MAX_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class WebhookSettings:
    # Waits between attempts: a delivery gets one attempt plus one per wait, then fails.
    retry_schedule: tuple[timedelta, ...]
    # Bounds a whole attempt: connecting (name resolution included), sending, reading the answer.
    timeout: timedelta
    # A claim holds a delivery for the timeout plus this margin, left for writing the outcome (a
    # busy loop, a batch): a smaller one sends a killed sender's deliveries again sooner, at the
    # risk of sending one twice when its outcome is written late.
    lease_margin: timedelta
    # Attempts under way at once in one sender, and per endpoint: a slow endpoint holds at most
    # `max_per_endpoint` of the `max_concurrency` slots, the others keep flowing.
    max_concurrency: int
    max_per_endpoint: int
    # A NOTIFY wakes the sender when a delivery is due now; the poll catches retries planned by
    # other senders and attempts whose sender died.
    poll_interval: timedelta
    # Delivered and failed deliveries are kept this long (the API lists them), then deleted.
    delivery_retention: timedelta

    @classmethod
    def from_env(cls, env: Env) -> WebhookSettings:
        concurrency = env.integer("WEBHOOK_MAX_CONCURRENCY", 64, minimum=1, maximum=10_000)
        per_endpoint = env.integer("WEBHOOK_MAX_PER_ENDPOINT", 4, minimum=1)
        if per_endpoint > concurrency:
            raise ConfigError(
                "WEBHOOK_MAX_PER_ENDPOINT",
                f"expected at most WEBHOOK_MAX_CONCURRENCY ({concurrency}), got {per_endpoint}",
            )
        return cls(
            retry_schedule=retry_schedule(env),
            timeout=_bounded_seconds(env, "WEBHOOK_TIMEOUT_SECONDS", 10, 0.05, MAX_TIMEOUT_S),
            lease_margin=_bounded_seconds(env, "WEBHOOK_LEASE_MARGIN_SECONDS", 5, 0, MAX_TIMEOUT_S),
            max_concurrency=concurrency,
            max_per_endpoint=per_endpoint,
            poll_interval=env.seconds("WEBHOOK_POLL_INTERVAL_SECONDS", 1.0, minimum=0.01),
            delivery_retention=env.seconds(
                "WEBHOOK_DELIVERY_RETENTION_SECONDS", 30 * 24 * 3600, minimum=1
            ),
        )


def retry_schedule(env: Env) -> tuple[timedelta, ...]:
    """`WEBHOOK_RETRY_SCHEDULE`: seconds between attempts, comma-separated, each positive."""
    name = "WEBHOOK_RETRY_SCHEDULE"
    raw = env.get(name, DEFAULT_RETRY_SCHEDULE)
    waits: list[timedelta] = []
    for part in raw.split(","):
        try:
            seconds = float(part)
        except ValueError:
            seconds = math.nan
        if not 0 < seconds <= MAX_RETRY_WAIT_S:  # also refuses NaN and infinities
            raise ConfigError(
                name,
                "expected seconds between attempts, comma-separated, each above 0 and at most"
                f" {MAX_RETRY_WAIT_S} (e.g. {DEFAULT_RETRY_SCHEDULE}), got {raw!r}",
            )
        waits.append(timedelta(seconds=seconds))
    return tuple(waits)


def _bounded_seconds(
    env: Env, name: str, default: float, minimum: float, maximum: float
) -> timedelta:
    seconds = env.number(name, default, minimum=minimum)
    if seconds > maximum:
        raise ConfigError(name, f"expected at most {maximum:g}, got {seconds:g}")
    return timedelta(seconds=seconds)
