"""The broadcaster: the WebSocket server, the stream feed and the connection registry, owned by
one `Broadcaster` (built and run by `process`), and what it does with each connection.

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
from dataclasses import dataclass

import redis.asyncio as redis
import structlog
from websockets.asyncio.server import Server, ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode

from bookings.broadcaster import resume
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
from bookings.broadcaster.registry import Listener, Registry
from bookings.broadcaster.settings import BroadcasterSettings
from bookings.events.subscriber import StreamId, parse_stream_id

log = structlog.get_logger(__name__)


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
