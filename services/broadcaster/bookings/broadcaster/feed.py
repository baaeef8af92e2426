"""The process's one subscription: a single XREAD BLOCK loop over the event stream whose
entries are fanned out to every connection.

Reading the stream (not pub/sub) gives every live event the entry id that listeners resume
from, and makes "Redis went away" the ordinary case: the loop keeps the last id it delivered
and, once Redis answers again, reads on from there, so what was appended meanwhile is sent, in
order, exactly once.

The loop ends when `stop()` is called, not only when its task is cancelled: redis-py can swallow
a cancellation that lands while a blocking read is completing, and the loop would then read on
forever.
"""

from __future__ import annotations

import asyncio

import redis.asyncio as redis
import structlog

from bookings.broadcaster.frames import MalformedEntry, Outgoing, outgoing
from bookings.broadcaster.metrics import Metrics
from bookings.broadcaster.registry import Registry
from bookings.events import subscriber
from bookings.events.stream import StreamEntry

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
        self._ready = asyncio.Event()
        self._stopping = False
        self._reported: bool | None = None  # so an outage at start is logged too

    @property
    def ready(self) -> bool:
        """True while the last read of the stream reached Redis."""
        return self._ready.is_set()

    async def wait_ready(self) -> None:
        await self._ready.wait()

    def stop(self) -> None:
        """`run` returns after the read in progress (at most `block_ms`)."""
        self._stopping = True

    async def run(self) -> None:
        last_id: str | None = None
        retry_s = _RETRY_FIRST_S
        while not self._stopping:
            try:
                if last_id is None:
                    # Start at the stream's end: new listeners get what is appended from now on,
                    # earlier entries only through a replay they ask for.
                    bounds = await subscriber.retention(self._client)
                    last_id = subscriber.format_stream_id(bounds.last_id)
                    self._set_ready(True)
                entries = await subscriber.read_after(
                    self._client, last_id, block_ms=self._block_ms, count=self._batch
                )
            except (redis.ConnectionError, redis.TimeoutError, OSError) as error:
                self._set_ready(False, error)
                await asyncio.sleep(retry_s)
                retry_s = min(retry_s * 2, _RETRY_MAX_S)
                continue
            retry_s = _RETRY_FIRST_S
            self._set_ready(True)
            if entries:
                last_id = entries[-1].id
                try:
                    self._registry.fan_out(_decoded(entries))
                except Exception:
                    # A bug in fan-out must not stop the feed for every other listener.
                    log.exception("fan-out failed", first_id=entries[0].id, last_id=last_id)

    def _set_ready(self, ready: bool, error: BaseException | None = None) -> None:
        if ready == self._reported:
            return
        self._reported = ready
        if ready:
            self._ready.set()
            log.info("event stream reachable")
        else:
            self._ready.clear()
            log.warning("event stream unreachable", error=type(error).__name__, detail=str(error))
        self._metrics.stream_up.set(1 if ready else 0)


def _decoded(entries: list[StreamEntry]) -> list[Outgoing]:
    events: list[Outgoing] = []
    for entry in entries:
        try:
            events.append(outgoing(entry))
        except MalformedEntry as error:
            log.warning("skipped malformed stream entry", detail=str(error))
    return events
