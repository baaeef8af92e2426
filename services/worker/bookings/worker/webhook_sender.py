"""The webhooks role: sends pending webhook deliveries, each attempt under a lease.

One asyncio loop in the role's process, on psycopg's async connections and an httpx client:

- a listener wakes the dispatcher on `NOTIFY webhook_deliveries` (a delivery became due now:
  fanned out by the relay, or retried through the API); a poll every
  `WEBHOOK_POLL_INTERVAL_SECONDS` catches the rest (retries coming due, leases of a sender that
  died);
- the dispatcher claims due deliveries (see `bookings.persistence.delivery_claims`) while it
  has room: at most `WEBHOOK_MAX_CONCURRENCY` attempts under way, `WEBHOOK_MAX_PER_ENDPOINT` per
  endpoint, so an endpoint that is slow or never answers holds a few places and no more, and
  never delays the others' deliveries;
- each attempt is a task (`webhook_attempts`): it sends the request, reads at most 64 KiB of the
  answer within `WEBHOOK_TIMEOUT_SECONDS` and hands its outcome to
- the writer (`webhook_outcomes`), which records outcomes in batches, each only where the row
  still holds the attempt's lease;
- and every `BACKLOG_EVERY_S` the backlog gauges are measured.

Each of the listener, dispatcher, writer and measurements has a PostgreSQL connection of its
own, so none waits for another's statements.

A claim holds a delivery for the timeout plus `WEBHOOK_LEASE_MARGIN_SECONDS`: a sender killed
mid-attempt leaves its deliveries to come due again when their leases end, and another sender
(or this one, restarted) sends them again: at least once. On SIGTERM the dispatcher stops
claiming, the attempts under way finish (within the timeout) and their outcomes are written. A
PostgreSQL outage fails the loop; the role runs it again after a pause
(`backoff.run_until_stopped`), and the attempts it dropped come due again when their leases end.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Final
from uuid import UUID

import httpx
import psycopg
import structlog

from bookings.persistence.delivery_backlog import backlog
from bookings.persistence.delivery_claims import ClaimedDelivery, claim_due
from bookings.persistence.urls import libpq_url
from bookings.worker.heartbeat import Heartbeat
from bookings.worker.metrics import WorkerMetrics
from bookings.worker.webhook_attempts import attempt_delivery
from bookings.worker.webhook_outcomes import OutcomeWriter
from bookings.worker.webhook_settings import WebhookSettings
from bookings.worker.webhook_transport import webhook_client

log = structlog.get_logger(__name__)

NOTIFY_CHANNEL: Final = "webhook_deliveries"
BACKLOG_EVERY_S: Final = 5.0
STOP_CHECK_S: Final = 0.1


class WebhookSender:
    """The loop of the webhooks role; `run` it once per start (again after an outage)."""

    def __init__(
        self, settings: WebhookSettings, metrics: WorkerMetrics, *, production: bool
    ) -> None:
        self._settings = settings
        self._metrics = metrics
        self._production = production
        self._timeout_s = settings.timeout.total_seconds()
        self._lease = settings.timeout + settings.lease_margin
        self._reset()

    def _reset(self) -> None:
        """State of one run of the loop (an outage ends it; the next starts afresh)."""
        self._running: Counter[UUID] = Counter()  # attempts under way, per endpoint
        self._in_flight = 0
        self._claimable = True  # deliveries may be due that this sender has not claimed
        # Endpoints that filled their room at the last claim: one of their attempts ending
        # makes room for more of their deliveries.
        self._backlogged: set[UUID] = set()
        self._stopping = False
        self._changed = asyncio.Event()
        self._outcomes = OutcomeWriter(self._settings.retry_schedule, self._metrics)

    async def run(self, database_url: str, *, stop: threading.Event, heartbeat: Heartbeat) -> None:
        """Sends deliveries until `stop` is set; raises on outages."""
        self._reset()
        url = libpq_url(database_url)
        async with (
            await _connect(url) as listener,
            await _connect(url) as claims,
            await _connect(url) as writes,
            await _connect(url) as measures,
            webhook_client(
                connections_per_pool=self._settings.max_per_endpoint,
                production=self._production,
                timeout_s=self._timeout_s,
            ) as client,
        ):
            await listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
            log.info("webhook sender listening", channel=NOTIFY_CHANNEL)
            try:
                async with asyncio.TaskGroup() as group:
                    background = [
                        group.create_task(self._listen(listener)),
                        group.create_task(self._watch(stop)),
                        group.create_task(self._measure(measures)),
                    ]
                    writer = group.create_task(self._outcomes.write(writes))
                    await self._dispatch(claims, client, group, heartbeat)
                    self._outcomes.close()  # the writer returns once all is written
                    await writer
                    for task in background:
                        task.cancel()
            except ExceptionGroup as failures:  # one line in the log, not a tree
                raise failures.exceptions[0] from None

    async def _dispatch(
        self,
        claims: psycopg.AsyncConnection[Any],
        client: httpx.AsyncClient,
        group: asyncio.TaskGroup,
        heartbeat: Heartbeat,
    ) -> None:
        loop = asyncio.get_running_loop()
        poll_s = self._settings.poll_interval.total_seconds()
        next_poll = loop.time()
        while not self._stopping:
            now = loop.time()
            if now >= next_poll:
                self._claimable = True
                next_poll = now + poll_s
            heartbeat.beat()
            room = self._settings.max_concurrency - self._in_flight
            if self._claimable and room > 0:
                self._claimable = False  # a NOTIFY during the claim sets it again
                await self._claim(claims, room, client, group)
                continue
            self._changed.clear()
            try:
                async with asyncio.timeout_at(next_poll):
                    await self._changed.wait()
            except TimeoutError:
                pass
        while self._in_flight:  # stopping: the attempts under way finish
            self._changed.clear()
            await self._changed.wait()

    async def _claim(
        self,
        claims: psycopg.AsyncConnection[Any],
        room: int,
        client: httpx.AsyncClient,
        group: asyncio.TaskGroup,
    ) -> None:
        """Claims due deliveries for the room there is and starts their attempts."""
        per_endpoint = self._settings.max_per_endpoint
        busy = dict(self._running)
        claimed = await claim_due(
            claims, capacity=room, per_endpoint=per_endpoint, busy=busy, lease=self._lease
        )
        if len(claimed) == room:
            self._claimable = True  # more may be due: claim again once there is room
        taken = Counter(delivery.endpoint_id for delivery in claimed)
        for endpoint, count in taken.items():
            if count == per_endpoint - busy.get(endpoint, 0):
                self._backlogged.add(endpoint)  # it may have more: claim when one ends
        for delivery in claimed:
            self._running[delivery.endpoint_id] += 1
            self._in_flight += 1
            group.create_task(self._attempt(delivery, client))

    async def _listen(self, listener: psycopg.AsyncConnection[Any]) -> None:
        async for _ in listener.notifies():
            self._claimable = True
            self._changed.set()

    async def _watch(self, stop: threading.Event) -> None:
        """The stop event is set by a signal handler, outside the loop: looked at often."""
        while not stop.is_set():
            await asyncio.sleep(STOP_CHECK_S)
        self._stopping = True
        self._changed.set()

    async def _measure(self, measures: psycopg.AsyncConnection[Any]) -> None:
        """The backlog gauges, on a connection of their own: a count over a large backlog
        never holds up a claim."""
        while True:
            found = await backlog(measures)
            self._metrics.webhook_pending.set(found.pending)
            oldest = found.oldest_created_at
            age = 0.0 if oldest is None else (datetime.now(UTC) - oldest).total_seconds()
            self._metrics.webhook_oldest_pending.set(max(age, 0.0))
            await asyncio.sleep(BACKLOG_EVERY_S)

    async def _attempt(self, delivery: ClaimedDelivery, client: httpx.AsyncClient) -> None:
        started = time.perf_counter()
        try:
            result = await attempt_delivery(delivery, client, timeout_s=self._timeout_s)
        finally:
            self._running[delivery.endpoint_id] -= 1
            if not self._running[delivery.endpoint_id]:
                del self._running[delivery.endpoint_id]
            self._in_flight -= 1
            if delivery.endpoint_id in self._backlogged:
                self._backlogged.discard(delivery.endpoint_id)
                self._claimable = True
            self._changed.set()
        self._outcomes.add(delivery, result, time.perf_counter() - started)


async def _connect(url: str) -> psycopg.AsyncConnection[Any]:
    return await psycopg.AsyncConnection.connect(
        url, autocommit=True, connect_timeout=5, options="-c timezone=UTC"
    )


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop when installed (the packaged binary has it): cheaper sockets at high rates."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def run_webhook_sender(
    sender: WebhookSender, database_url: str, *, stop: threading.Event, heartbeat: Heartbeat
) -> None:
    """Runs the sender's loop until `stop` is set; raises on outages (see `run_until_stopped`)."""
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        runner.run(sender.run(database_url, stop=stop, heartbeat=heartbeat))
