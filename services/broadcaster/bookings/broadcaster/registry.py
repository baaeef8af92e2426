"""The connections of one process and the fan-out of each event to those whose filter matches.

A listener is either live (frames go straight to its socket with `websockets.broadcast`) or
replaying what it missed (live frames wait in its `pending` list until the replay catches up,
see `resume.py`). Fan-out never awaits: a slow socket cannot hold up the others, so its unsent
bytes are watched instead, and a listener that stays over the bound is closed with 1013.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import structlog
from websockets.asyncio.server import ServerConnection, broadcast
from websockets.frames import CloseCode

from bookings.broadcaster.filters import OfProvider
from bookings.broadcaster.frames import Outgoing
from bookings.broadcaster.metrics import Metrics

log = structlog.get_logger(__name__)

# How far over the bound a listener may go during its grace period before it is closed at once.
_HARD_LIMIT_FACTOR = 4


@dataclass(eq=False, slots=True)
class Listener:
    connection: ServerConnection
    # None: every event, those of no booking included.
    filter: OfProvider | None
    subject: str
    replaying: bool = False
    pending: list[Outgoing] = field(default_factory=list)
    over_bound_since: float | None = None

    def receives(self, event: Outgoing) -> bool:
        return self.filter is None or self.filter.matches(event)


@dataclass(frozen=True)
class Limits:
    max_buffer_bytes: int
    slow_client_grace_s: float
    max_pending_events: int
    close_timeout_s: float


class Registry:
    def __init__(self, limits: Limits, metrics: Metrics) -> None:
        self._limits = limits
        self._metrics = metrics
        self._listeners: set[Listener] = set()
        self._per_subject: dict[str, int] = {}
        self._closing: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._listeners)

    def count_of(self, subject: str) -> int:
        """How many listeners `subject` has in the fan-out now."""
        return self._per_subject.get(subject, 0)

    def add(self, listener: Listener) -> None:
        if listener in self._listeners:
            return
        self._listeners.add(listener)
        self._per_subject[listener.subject] = self.count_of(listener.subject) + 1
        self._metrics.connections.set(len(self._listeners))

    def discard(self, listener: Listener) -> None:
        if listener not in self._listeners:
            return  # a slow listener is dropped first, then discarded again by its handler
        self._listeners.remove(listener)
        left = self.count_of(listener.subject) - 1
        if left:
            self._per_subject[listener.subject] = left
        else:
            del self._per_subject[listener.subject]
        self._metrics.connections.set(len(self._listeners))

    def fan_out(self, events: Iterable[Outgoing]) -> None:
        """Sends each event to every matching live listener, in order; queues it for matching
        listeners that are still replaying. Never awaits."""
        listeners = list(self._listeners)
        for event in events:
            live: list[ServerConnection] = []
            for listener in listeners:
                if not listener.receives(event):
                    continue
                if listener.replaying:
                    listener.pending.append(event)
                else:
                    live.append(listener.connection)
            broadcast(live, event.payload, text=True)
            self._metrics.frames_sent.inc(len(live))
            self._metrics.publish_to_send.observe(max(0.0, time.time() - event.published_at))
        self._enforce_limits(listeners)

    def _enforce_limits(self, listeners: list[Listener]) -> None:
        now = time.monotonic()
        bound = self._limits.max_buffer_bytes
        for listener in listeners:
            if len(listener.pending) > self._limits.max_pending_events:
                self._drop(listener, "too many events waiting while replaying")
                continue
            transport = listener.connection.transport
            buffered = 0 if transport.is_closing() else transport.get_write_buffer_size()
            if buffered <= bound:
                listener.over_bound_since = None
            elif buffered > _HARD_LIMIT_FACTOR * bound:
                self._drop(listener, "outgoing buffer far over its bound")
            elif listener.over_bound_since is None:
                listener.over_bound_since = now
            elif now - listener.over_bound_since > self._limits.slow_client_grace_s:
                self._drop(listener, "outgoing buffer over its bound for too long")

    def _drop(self, listener: Listener, why: str) -> None:
        self.discard(listener)
        listener.pending.clear()
        self._metrics.slow_clients_dropped.inc()
        log.warning("slow client dropped", subject=listener.subject, why=why)
        task = asyncio.get_running_loop().create_task(self._close_slow(listener.connection, why))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def _close_slow(self, connection: ServerConnection, why: str) -> None:
        # The close frame queues behind the bytes the peer has not read; a peer that does not
        # read them within the close timeout is cut off so its buffer is freed.
        try:
            async with asyncio.timeout(self._limits.close_timeout_s):
                await connection.close(CloseCode.TRY_AGAIN_LATER, f"too slow: {why}")
        except TimeoutError:
            connection.transport.abort()
