"""The broadcaster process: the WebSocket server, the stream feed and the connection registry,
owned by one `Broadcaster` built from settings and run until SIGTERM.

A connection's life: the handshake is accepted unless `BROADCASTER_MAX_CONNECTIONS` are open
(HTTP 503); it authenticates (else 4401/4403/4400), is refused (4429) if its subject already has
`BROADCASTER_MAX_CONNECTIONS_PER_SUBJECT` listeners, gets its filter, joins the registry
(replaying first if it asked to resume), then only listens: frames it sends after
authenticating are ignored. When its token expires it is closed (4401).

At most `BROADCASTER_MAX_CONCURRENT_REPLAYS` replays read the stream at once; the others wait
for a slot rather than being refused, since a refused client would only reconnect and ask
again. A waiting listener is already registered, so its live events are held for it (up to
`BROADCASTER_MAX_PENDING_EVENTS`, beyond which it is closed with 1013 like any slow listener).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import redis.asyncio as redis
import structlog
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode

from bookings.broadcaster import endpoints, resume
from bookings.broadcaster.authentication import (
    BAD_REQUEST,
    FORBIDDEN,
    TOO_MANY_CONNECTIONS,
    UNAUTHORIZED,
    Credentials,
    Handshake,
    Rejected,
    authenticate,
)
from bookings.broadcaster.feed import StreamFeed
from bookings.broadcaster.filters import Forbidden, filter_for
from bookings.broadcaster.metrics import Metrics
from bookings.broadcaster.registry import Limits, Listener, Registry
from bookings.broadcaster.settings import BroadcasterSettings
from bookings.events.subscriber import StreamId, parse_stream_id
from bookings.runtime.env import ConfigError

log = structlog.get_logger(__name__)

# Listeners only listen: their frames are auth messages at most, so keep them small.
_MAX_CLIENT_MESSAGE_BYTES = 16 * 1024
_LISTEN_BACKLOG = 1024
# A Redis read must be able to outlast XREAD's BLOCK before it counts as a timeout.
_REDIS_TIMEOUT_MARGIN_S = 5.0


@dataclass
class Broadcaster:
    settings: BroadcasterSettings
    client: redis.Redis
    metrics: Metrics
    registry: Registry
    feed: StreamFeed
    replay_slots: asyncio.Semaphore
    server: Server | None = None
    # WebSocket connections whose handler runs, authenticated or not. Counted in the handler,
    # which websockets starts in the same step as it answers the handshake, so the check in
    # `has_room` and this count cannot drift apart by more than a handshake in flight.
    open_connections: int = 0

    @property
    def port(self) -> int:
        if self.server is None:
            raise RuntimeError("the server is not listening yet")
        port: int = next(iter(self.server.sockets)).getsockname()[1]
        return port

    def is_ready(self) -> bool:
        return self.feed.ready and self.server is not None and self.server.is_serving()

    def has_room(self) -> bool:
        """False once `BROADCASTER_MAX_CONNECTIONS` connections are open."""
        return self.open_connections < self.settings.max_connections

    async def handle(self, connection: ServerConnection) -> None:
        self.open_connections += 1
        try:
            await self._serve(connection)
        finally:
            self.open_connections -= 1

    async def _serve(self, connection: ServerConnection) -> None:
        try:
            admission = await self._admit(connection)
        except Rejected as rejection:
            self.metrics.auth_failures.labels(code=str(rejection.code)).inc()
            log.info("connection rejected", code=rejection.code, reason=rejection.reason)
            await connection.close(rejection.code, rejection.reason)
            return
        except ConnectionClosed:
            return
        listener = admission.listener
        limit = self.settings.max_connections_per_subject
        # No await between this check and `add`: connections of one subject cannot race past it.
        if self.registry.count_of(listener.subject) >= limit:
            self.metrics.connections_refused.labels(limit="per_subject").inc()
            log.info("connection refused: too many for its subject", subject=listener.subject)
            reason = f"too many connections for this subject (at most {limit})"
            await connection.close(TOO_MANY_CONNECTIONS, reason)
            return
        log.info("listener connected", subject=listener.subject, resume=listener.replaying)
        self.registry.add(listener)
        try:
            async with asyncio.timeout(admission.credentials.seconds_left()):
                await self._listen(listener, admission.resume_from)
        except TimeoutError:
            self.metrics.tokens_expired.inc()
            await connection.close(UNAUTHORIZED, "token expired: reconnect with a fresh token")
        finally:
            self.registry.discard(listener)
            code = connection.close_code
            log.info("listener disconnected", subject=listener.subject, code=code and int(code))

    async def _listen(self, listener: Listener, resume_from: StreamId | None) -> None:
        """Replays what the listener missed (if it asked), then waits for it to leave."""
        connection = listener.connection
        try:
            if resume_from is not None:
                await self._replay(listener, resume_from)
            async for _ignored in connection:
                pass  # listeners have nothing to say once authenticated
        except (redis.RedisError, OSError):
            log.warning("replay failed: event stream unreachable", subject=listener.subject)
            await connection.close(
                CloseCode.TRY_AGAIN_LATER, "event stream unavailable, retry later"
            )
        except ConnectionClosed:
            pass

    async def _replay(self, listener: Listener, resume_from: StreamId) -> None:
        self.metrics.replays_waiting.inc()
        try:
            await self.replay_slots.acquire()
        finally:
            self.metrics.replays_waiting.dec()
        self.metrics.replays_running.inc()
        try:
            await resume.catch_up(
                listener, resume_from, self.client, self.metrics, batch=self.settings.stream_batch
            )
        finally:
            self.metrics.replays_running.dec()
            self.replay_slots.release()

    async def _admit(self, connection: ServerConnection) -> _Admission:
        handshake = Handshake.of(connection)
        credentials = await authenticate(
            connection, handshake, self.settings.tokens, self.settings.auth_timeout_s
        )
        try:
            listen_filter = filter_for(credentials.principal, provider_id=handshake.provider_id)
        except Forbidden as error:
            raise Rejected(FORBIDDEN, str(error)) from None
        resume_from: StreamId | None = None
        if credentials.last_event_id is not None:
            try:
                # `\d` also matches non-ASCII digits, which no stream id is made of.
                if not credentials.last_event_id.isascii():
                    raise ValueError("not ASCII")
                resume_from = parse_stream_id(credentials.last_event_id)
            except ValueError:
                raise Rejected(BAD_REQUEST, "lastEventId is not a stream entry id") from None
        listener = Listener(
            connection=connection,
            filter=listen_filter,
            subject=credentials.principal.sub,
            replaying=resume_from is not None,
        )
        return _Admission(listener, credentials, resume_from)


@dataclass(frozen=True)
class _Admission:
    listener: Listener
    credentials: Credentials
    resume_from: StreamId | None


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
