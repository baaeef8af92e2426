"""Running the broadcaster: built from settings, listening, until SIGTERM; then every
connection is closed with 1001 (going away) and the stream feed stopped."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as redis
import structlog
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from websockets.asyncio.server import Server, serve

from bookings.broadcaster import endpoints
from bookings.broadcaster.feed import StreamFeed
from bookings.broadcaster.metrics import Metrics
from bookings.broadcaster.registry import Limits, Registry
from bookings.broadcaster.server import Broadcaster
from bookings.broadcaster.settings import BroadcasterSettings
from bookings.runtime.env import ConfigError

log = structlog.get_logger(__name__)

# Listeners only listen: their frames are auth messages at most, so keep them small.
_MAX_CLIENT_MESSAGE_BYTES = 16 * 1024
_LISTEN_BACKLOG = 1024
# A Redis read must be able to outlast XREAD's BLOCK before it counts as a timeout.
_REDIS_TIMEOUT_MARGIN_S = 5.0


def build(settings: BroadcasterSettings) -> Broadcaster:
    client = redis.Redis.from_url(
        settings.common.redis_url,
        socket_connect_timeout=2,
        socket_timeout=settings.stream_block_ms / 1000 + _REDIS_TIMEOUT_MARGIN_S,
        # The feed retries with its own backoff and reports not ready meanwhile; one quick
        # retry only replaces a pooled connection that a Redis restart broke.
        retry=Retry(NoBackoff(), 1),
    )
    metrics = Metrics()
    limits = Limits(
        max_buffer_bytes=settings.max_buffer_bytes,
        slow_client_grace_s=settings.slow_client_grace_s,
        max_pending_events=settings.max_pending_events,
        close_timeout_s=settings.close_timeout_s,
    )
    registry = Registry(limits, metrics)
    feed = StreamFeed(
        client, registry, metrics, block_ms=settings.stream_block_ms, batch=settings.stream_batch
    )
    replay_slots = asyncio.Semaphore(settings.max_concurrent_replays)
    return Broadcaster(settings, client, metrics, registry, feed, replay_slots)


async def _listen(app: Broadcaster, settings: BroadcasterSettings) -> Server:
    try:
        return await serve(
            app.handle,
            settings.host,
            settings.port,
            process_request=endpoints.process_request(app.metrics, app.is_ready, app.has_room),
            # Per-connection deflate contexts would cost memory and CPU per listener, while a
            # broadcast frame is encoded once and is small.
            compression=None,
            ping_interval=settings.ping_interval_s,
            ping_timeout=settings.ping_timeout_s,
            close_timeout=settings.close_timeout_s,
            max_size=_MAX_CLIENT_MESSAGE_BYTES,
            max_queue=4,
            # Listeners reconnect all at once after a restart or a deploy; asyncio's default
            # backlog of 100 would drop most of their SYNs and delay them by retransmits.
            backlog=_LISTEN_BACKLOG,
        )
    except OSError as error:
        # Most often the port is taken: one line naming the setting, not a traceback.
        where = f"{settings.host}:{settings.port}"
        raise ConfigError("PORT", f"cannot listen on {where}: {error.strerror}") from None


@asynccontextmanager
async def running(settings: BroadcasterSettings) -> AsyncIterator[Broadcaster]:
    """Serves until the block ends, then closes every connection with 1001 (going away)."""
    app = build(settings)
    # At DEBUG, websockets logs request lines, whose query may hold a token: keep it at INFO.
    logging.getLogger("websockets").setLevel(max(logging.INFO, logging.getLogger().level))
    feed_task = asyncio.create_task(app.feed.run(), name="stream-feed")
    try:
        app.server = await _listen(app, settings)
        log.info("broadcaster listening", host=settings.host, port=app.port)
        yield app
    finally:
        if app.server is not None:
            app.server.close(close_connections=True)
            await app.server.wait_closed()
        app.feed.stop()
        feed_task.cancel()  # ends a blocking read at once; stop() ends the loop if it is lost
        await asyncio.gather(feed_task, return_exceptions=True)
        await app.client.aclose()
        log.info("broadcaster stopped")


async def serve_until_terminated(settings: BroadcasterSettings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with running(settings):
        await stop.wait()
        log.info("shutting down: closing connections with 1001")
