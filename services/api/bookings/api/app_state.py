"""The app's state: everything a request may use, built once per app from its settings and
closed on shutdown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool
from redis import asyncio as aioredis

from bookings.api.availability import Availability
from bookings.api.calendar_feeds import CalendarFeeds
from bookings.api.commands import BookingCommands
from bookings.api.metrics import Metrics
from bookings.api.queries import BookingQueries
from bookings.api.rate_limit import RateLimiter
from bookings.api.settings import ApiSettings
from bookings.api.token_cache import VerifiedTokens
from bookings.api.webhooks import Webhooks
from bookings.domain.decisions import Context
from bookings.persistence.pool import connection_pool

# Redis serves rate limits and readiness only; a slow Redis must not hold requests up.
_REDIS_TIMEOUT_S = 0.5


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class AppState:
    """The settings, the connections and what is built on them, shared by every request."""

    settings: ApiSettings
    pool: AsyncConnectionPool[AsyncConnection[Any]]
    redis: aioredis.Redis
    rate_limiter: RateLimiter
    commands: BookingCommands
    queries: BookingQueries
    webhooks: Webhooks
    availability: Availability
    calendar_feeds: CalendarFeeds
    metrics: Metrics
    verified_tokens: VerifiedTokens

    @classmethod
    def build(cls, settings: ApiSettings, metrics: Metrics) -> AppState:
        # Nothing connects here: the pool opens with the app (`open`), Redis on first use.
        pool = connection_pool(settings.common.database_url, size=settings.database_pool_size)
        redis = aioredis.Redis.from_url(
            settings.common.redis_url,
            socket_timeout=_REDIS_TIMEOUT_S,
            socket_connect_timeout=_REDIS_TIMEOUT_S,
        )
        context = Context(clock=utc_now, reminder_lead=settings.common.reminder_lead)
        return cls(
            settings=settings,
            pool=pool,
            redis=redis,
            rate_limiter=RateLimiter(redis, settings.rate_limits),
            commands=BookingCommands(pool, context, key_ttl=settings.common.idempotency_key_ttl),
            queries=BookingQueries(pool, context),
            webhooks=Webhooks(pool, production=settings.common.is_production),
            availability=Availability(pool, utc_now),
            calendar_feeds=CalendarFeeds(pool, utc_now, uid_host=settings.calendar_uid_host),
            metrics=metrics,
            verified_tokens=VerifiedTokens(settings.tokens),
        )

    async def open(self) -> None:
        """Starts filling the pool in the background: the app starts even if PostgreSQL is
        not up yet, and readiness says so until it is."""
        await self.pool.open(wait=False)

    async def close(self) -> None:
        await self.redis.aclose()
        await self.pool.close()
