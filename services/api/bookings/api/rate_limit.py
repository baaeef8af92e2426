"""Rate limits kept in Redis, so they hold across every API replica.

Fixed one-minute windows: one counter per (bucket, client, minute), incremented and given an
expiry in a single round trip. If Redis cannot be reached the request is let through (fail
open, logged) and Redis is left alone for a moment, so an outage neither blocks bookings nor
adds a timeout to every request.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import structlog
from redis import asyncio as aioredis
from redis.exceptions import RedisError

from bookings.api.errors import RateLimited
from bookings.api.settings import RateLimits

WINDOW_SECONDS = 60
# After a Redis failure, skip Redis for this long before trying again.
_BACKOFF_SECONDS = 1.0
_log = structlog.get_logger("bookings.api.rate_limit")
# Count and (on the first hit) expire in one atomic round trip; works on any Redis >= 2.6.
_HIT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


class Bucket(StrEnum):
    LOGIN = "login"
    # Requests whose token was missing or refused, per client address.
    AUTH_FAILURES = "auth-failures"
    WRITES = "writes"
    READS = "reads"


@dataclass(frozen=True)
class Decision:
    limit: int
    remaining: int
    reset_seconds: int

    @property
    def allowed(self) -> bool:
        return self.remaining >= 0

    def headers(self) -> dict[str, str]:
        """The `RateLimit-*` fields (IETF httpapi-ratelimit-headers, widely deployed form)."""
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(max(self.remaining, 0)),
            "RateLimit-Reset": str(self.reset_seconds),
            "RateLimit-Policy": f"{self.limit};w={WINDOW_SECONDS}",
        }


class RateLimiter:
    def __init__(
        self,
        redis: aioredis.Redis,
        limits: RateLimits,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = redis
        self._limits = limits
        self._clock = clock
        self._skip_until = 0.0
        self._hit = redis.register_script(_HIT)

    def limit_of(self, bucket: Bucket) -> int:
        return {
            Bucket.LOGIN: self._limits.login_per_minute,
            # Like a login, a failed authentication is a credential attempt from an address.
            Bucket.AUTH_FAILURES: self._limits.login_per_minute,
            Bucket.WRITES: self._limits.writes_per_minute,
            Bucket.READS: self._limits.reads_per_minute,
        }[bucket]

    async def check(self, bucket: Bucket, client: str) -> Decision | None:
        """Counts one request; raises RateLimited over the limit; None when not limiting."""
        if not self._limits.enabled:
            return None
        now = self._clock()
        if now < self._skip_until:
            return None
        window = int(now // WINDOW_SECONDS)
        key = f"ratelimit:{bucket.value}:{window}:{client}"
        try:
            count = await self._hit(keys=[key], args=[WINDOW_SECONDS + 1])
        except (RedisError, OSError) as error:
            self._skip_until = now + _BACKOFF_SECONDS
            _log.warning("rate_limit_unavailable", error=type(error).__name__)
            return None
        limit = self.limit_of(bucket)
        reset = max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))
        decision = Decision(limit=limit, remaining=limit - int(count), reset_seconds=reset)
        if not decision.allowed:
            raise RateLimited(reset, {**decision.headers(), "Retry-After": str(reset)})
        return decision
