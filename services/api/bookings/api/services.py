"""Everything a request may use, built once per app from its settings and closed on shutdown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from redis import asyncio as aioredis

from bookings.api.metrics import Metrics
from bookings.api.rate_limit import RateLimiter
from bookings.api.settings import ApiSettings
from bookings.api.token_cache import VerifiedTokens
from bookings.domain.handlers import Context
from bookings.persistence.database import AsyncDatabase
from bookings.persistence.idempotency import IdempotencyStore

# Redis serves rate limits and readiness only; a slow Redis must not hold requests up.
_REDIS_TIMEOUT_S = 0.5


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Services:
    settings: ApiSettings
    database: AsyncDatabase
    redis: aioredis.Redis
    rate_limiter: RateLimiter
    idempotency: IdempotencyStore
    metrics: Metrics
    context: Context
    verified_tokens: VerifiedTokens

    @classmethod
    def build(cls, settings: ApiSettings, metrics: Metrics) -> Services:
        # Neither the engine nor the Redis client connects before its first use.
        database = AsyncDatabase(
            settings.common.database_url, pool_size=settings.database_pool_size
        )
        redis = aioredis.Redis.from_url(
            settings.common.redis_url,
            socket_timeout=_REDIS_TIMEOUT_S,
            socket_connect_timeout=_REDIS_TIMEOUT_S,
        )
        return cls(
            settings=settings,
            database=database,
            redis=redis,
            rate_limiter=RateLimiter(redis, settings.rate_limits),
            idempotency=IdempotencyStore(database),
            metrics=metrics,
            context=Context(clock=utc_now, reminder_lead=settings.common.reminder_lead),
            verified_tokens=VerifiedTokens(settings.tokens),
        )

    async def close(self) -> None:
        await self.redis.aclose()
        await self.database.close()
