"""The process's one subscription: a single XREAD BLOCK loop over the event stream whose
entries are fanned out to every connection.

Reading the stream (not pub/sub) gives every live event the entry id that listeners resume
from, and makes "Redis went away" the ordinary case: the loop keeps the last id it delivered
and, once Redis answers again, reads on from there, so what was appended meanwhile is sent, in
order, exactly once.

An entry that is not an event is skipped, counted and logged once (here, not by every
listener), and the loop reads on past it. Any Redis error is retried with backoff; any other
failure ends the read loop, which `run` then starts again from the last id it delivered. The
feed reports ready only while its loop runs and its last read reached Redis.

The loop ends when `stop()` is called, not only when its task is cancelled: redis-py can swallow
a cancellation that lands while a blocking read is completing, and the loop would then read on
forever.
"""

from __future__ import annotations

import asyncio

import redis.asyncio as redis
import structlog

from bookings.broadcaster import stream_reads
from bookings.broadcaster.metrics import Metrics
from bookings.broadcaster.registry import Registry
from bookings.events import subscriber

log = structlog.get_logger(__name__)

_RETRY_FIRST_S = 0.1
_RETRY_MAX_S = 2.0


class StreamFeed:
    def __init__(
        self,
        client: redis.Redis,
        registry: Registry,
        metrics: Metrics,
        *,
        block_ms: int,
        batch: int,
    ) -> None:
        self._client = client
        self._registry = registry
        self._metrics = metrics
        self._block_ms = block_ms
        self._batch = batch
        self._reachable = False
        self._running = False
        self._stopping = False
        self._reported: bool | None = None  # so an outage at start is logged too
        # The last entry delivered (or skipped); kept across restarts so none is lost or repeated.
        self._last_id: str | None = None
        self._retry_s = _RETRY_FIRST_S

    @property
    def ready(self) -> bool:
        """True while the read loop runs and its last read of the stream reached Redis."""
        return self._running and self._reachable

    @property
    def stopping(self) -> bool:
        return self._stopping

    def stop(self) -> None:
        """`run` returns after the read in progress (at most `block_ms`)."""
        self._stopping = True

    async def run(self) -> None:
        """Follows the stream until `stop()`; the read loop is started again if it fails."""
        self._running = True
        try:
            while not self._stopping:
                try:
                    await self._follow()
                except Exception as error:
                    # A bug must not leave every listener without events: log it, start again.
                    log.exception("stream feed failed, restarting", retry_in_s=self._retry_s)
                    self._restarting(error)
                else:
                    if self.stopping:
                        break
                    log.error("stream feed ended unexpectedly, restarting")
                    self._restarting(None)
                await self._back_off()
        finally:
            self._running = False
            self._reachable = False
            self._metrics.stream_up.set(0)

    async def _follow(self) -> None:
        while not self._stopping:
            try:
                if self._last_id is None:
                    # Start at the stream's end: new listeners get what is appended from now on,
                    # earlier entries only through a replay they ask for.
                    bounds = await subscriber.retention(self._client)
                    self._last_id = subscriber.format_stream_id(bounds.last_id)
                    self._set_ready(True)
                read = await stream_reads.read_after(
                    self._client, self._last_id, block_ms=self._block_ms, count=self._batch
                )
            except (redis.RedisError, OSError) as error:
                # Connection loss, timeouts, but also errors Redis answers (LOADING, a stream key
                # of the wrong type): all are retried until Redis is usable again.
                self._set_ready(False, error)
                await self._back_off()
                continue
            self._retry_s = _RETRY_FIRST_S
            self._set_ready(True)
            if read.last_id is None:
                continue
            self._last_id = read.last_id
            for why in read.malformed:
                self._metrics.malformed_entries.inc()
                log.warning("skipped malformed stream entry", detail=why)
            if read.events:
                try:
                    self._registry.fan_out(read.events)
                except Exception:
                    # A bug in fan-out must not stop the feed for every other listener.
                    log.exception("fan-out failed", first=read.events[0].key, last_id=self._last_id)

    async def _back_off(self) -> None:
        await asyncio.sleep(self._retry_s)
        self._retry_s = min(self._retry_s * 2, _RETRY_MAX_S)

    def _restarting(self, error: BaseException | None) -> None:
        self._metrics.feed_restarts.inc()
        self._set_ready(False, error)

    def _set_ready(self, ready: bool, error: BaseException | None = None) -> None:
        if ready == self._reported:
            return
        self._reported = ready
        self._reachable = ready
        if ready:
            log.info("event stream reachable")
        elif error is None:
            log.warning("event stream unreachable", detail="the feed stopped")
        else:
            log.warning("event stream unreachable", error=type(error).__name__, detail=str(error))
        self._metrics.stream_up.set(1 if ready else 0)
