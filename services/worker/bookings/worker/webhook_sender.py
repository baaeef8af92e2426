"""The webhooks role: sends pending webhook deliveries, each attempt under a lease.

One asyncio loop in the role's process, on psycopg's async connections and an httpx client:

- a listener wakes the dispatcher on `NOTIFY webhook_deliveries` (a delivery became due now:
  fanned out by the relay, or retried through the API); a poll every
  `WEBHOOK_POLL_INTERVAL_SECONDS` catches the rest (retries coming due, leases of a sender that
  died);
- the dispatcher claims due deliveries (see `bookings.persistence.webhook_deliveries`) while it
  has room: at most `WEBHOOK_MAX_CONCURRENCY` attempts under way, `WEBHOOK_MAX_PER_ENDPOINT` per
  endpoint, so an endpoint that is slow or never answers holds a few places and no more, and
  never delays the others' deliveries;
- each attempt is a task: it sends the request, reads at most 64 KiB of the answer within
  `WEBHOOK_TIMEOUT_SECONDS` (name resolution and connecting included) and hands its outcome to
- the writer, which records outcomes in batches (one statement for whatever piled up while the
  previous one ran), each only where the row still holds the attempt's lease;
- and every `BACKLOG_EVERY_S` the backlog gauges are measured.

Each of the listener, dispatcher, writer and measurements has a PostgreSQL connection of its
own, so none waits for another's statements.

A claim holds a delivery for the timeout plus `LEASE_MARGIN`: a sender killed mid-attempt
leaves its deliveries to come due again when their leases end, and another sender (or this one,
restarted) sends them again: at least once. On SIGTERM the dispatcher stops claiming, the
attempts under way finish (within the timeout) and their outcomes are written. A PostgreSQL
outage fails the loop; the role runs it again after a pause (`backoff.run_until_stopped`), and
the attempts it dropped come due again when their leases end.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Final
from uuid import UUID

import httpx
import psycopg
import structlog

from bookings.persistence.urls import libpq_url
from bookings.persistence.webhook_deliveries import (
    FAILED,
    PENDING,
    AttemptRecord,
    ClaimedDelivery,
    backlog,
    claim_due,
    disable_endpoint,
    record_attempts,
)
from bookings.webhooks.signing import MalformedSecret
from bookings.webhooks.targets import ForbiddenTarget
from bookings.worker.heartbeat import Heartbeat
from bookings.worker.metrics import WorkerMetrics
from bookings.worker.webhook_attempts import (
    MAX_BODY_BYTES,
    Verdict,
    error_text,
    judge,
    message_body,
    request_headers,
    retry_after_seconds,
    signing_keys,
)
from bookings.worker.webhook_settings import WebhookSettings
from bookings.worker.webhook_transport import POOL, webhook_client

log = structlog.get_logger(__name__)

NOTIFY_CHANNEL: Final = "webhook_deliveries"
# Beyond the timeout, what a lease leaves for the outcome to be written (a busy loop, a batch).
LEASE_MARGIN: Final = timedelta(seconds=5)
BACKLOG_EVERY_S: Final = 5.0
STOP_CHECK_S: Final = 0.1
GONE_REASON: Final = "endpoint disabled: it answered 410 Gone"
OUTCOMES: Final = {PENDING: "retrying", FAILED: "failed"}


class WebhookSender:
    """The loop of the webhooks role; `run` it once per start (again after an outage)."""

    def __init__(
        self, settings: WebhookSettings, metrics: WorkerMetrics, *, production: bool
    ) -> None:
        self._settings = settings
        self._metrics = metrics
        self._production = production
        self._timeout_s = settings.timeout.total_seconds()
        self._lease = settings.timeout + LEASE_MARGIN
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
        self._records: list[AttemptRecord] = []
        self._gone: set[UUID] = set()
        self._records_ready = asyncio.Event()

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
                    writer = group.create_task(self._write(writes))
                    await self._dispatch(claims, client, group, heartbeat)
                    self._records_ready.set()  # the writer returns once all is written
                    await writer
                    for task in background:
                        task.cancel()
            except ExceptionGroup as failures:  # one line in the log, not a tree
                raise failures.exceptions[0] from None

    # --- dispatching ---------------------------------------------------------------------------

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

    # --- attempts ------------------------------------------------------------------------------

    async def _attempt(self, delivery: ClaimedDelivery, client: httpx.AsyncClient) -> None:
        started = time.perf_counter()
        status_code: int | None = None
        retry_after: float | None = None
        try:
            status_code, body, retry_after = await self._send(delivery, client)
            error = None if 200 <= status_code < 300 else error_text(body)
        except Exception as failure:  # every failure is the attempt's, none is the loop's
            error = self._describe(failure, delivery)
        finally:
            self._running[delivery.endpoint_id] -= 1
            if not self._running[delivery.endpoint_id]:
                del self._running[delivery.endpoint_id]
            self._in_flight -= 1
            if delivery.endpoint_id in self._backlogged:
                self._backlogged.discard(delivery.endpoint_id)
                self._claimable = True
            self._changed.set()
        elapsed = time.perf_counter() - started
        verdict = judge(
            status_code,
            attempts=delivery.attempts + 1,
            schedule=self._settings.retry_schedule,
            retry_after_s=retry_after,
        )
        self._metrics.webhook_attempt_duration.observe(elapsed)
        self._metrics.webhook_deliveries.labels(OUTCOMES.get(verdict.status, verdict.status)).inc()
        self._note(delivery, verdict, status_code, error, elapsed)
        self._records.append(
            AttemptRecord(
                delivery_id=delivery.id,
                lease=delivery.lease,
                status=verdict.status,
                retry_in_s=verdict.retry_in_s,
                status_code=status_code,
                error=error,
            )
        )
        if verdict.endpoint_gone:
            self._gone.add(delivery.endpoint_id)
        self._records_ready.set()

    async def _send(
        self, delivery: ClaimedDelivery, client: httpx.AsyncClient
    ) -> tuple[int, bytes, float | None]:
        """The answer's status, the start of its body and its `Retry-After` in seconds."""
        body = message_body(delivery.event_type, delivery.occurred_at, delivery.data)
        sent_at = int(time.time())
        keys = signing_keys(delivery.secret, delivery.previous_secret)
        headers = request_headers(delivery.event_id, sent_at, body, keys)
        deadline = asyncio.get_running_loop().time() + self._timeout_s
        async with asyncio.timeout_at(deadline):
            request = client.build_request(
                "POST",
                delivery.url,
                content=body,
                headers=headers,
                extensions={POOL: delivery.endpoint_id},  # connections of its own
            )
            response = await client.send(request, stream=True)
        try:
            answer = await _read_at_most(response, MAX_BODY_BYTES, deadline=deadline)
        finally:
            await response.aclose()
        retry_after = retry_after_seconds(
            response.headers.get("retry-after"), now=datetime.now(UTC)
        )
        return response.status_code, answer, retry_after

    def _describe(self, failure: Exception, delivery: ClaimedDelivery) -> str:
        if isinstance(failure, TimeoutError | httpx.TimeoutException):
            return f"timed out after {self._timeout_s:g} s"
        if isinstance(failure, ForbiddenTarget):
            return f"refused target: {failure}"
        if isinstance(failure, httpx.ConnectError):
            return f"connection failed: {failure}"
        if isinstance(failure, httpx.HTTPError):
            return f"request failed: {type(failure).__name__}: {failure}"
        if isinstance(failure, MalformedSecret):
            return f"the endpoint's secret is unusable: {failure}"
        log.exception("webhook attempt failed", delivery_id=str(delivery.id))
        return f"internal error: {type(failure).__name__}"

    def _note(
        self,
        delivery: ClaimedDelivery,
        verdict: Verdict,
        status_code: int | None,
        error: str | None,
        elapsed: float,
    ) -> None:
        if verdict.status == PENDING:
            log_at = log.debug
        elif verdict.status == FAILED:
            log_at = log.warning
        else:
            return
        log_at(
            "webhook attempt failed",
            delivery_id=str(delivery.id),
            endpoint_id=str(delivery.endpoint_id),
            attempts=delivery.attempts + 1,
            status_code=status_code,
            error=(error or "")[:200],
            final=verdict.status == FAILED,
            endpoint_gone=verdict.endpoint_gone,
            retry_in_s=verdict.retry_in_s,
            elapsed_s=round(elapsed, 3),
        )

    # --- recording -----------------------------------------------------------------------------

    async def _write(self, writes: psycopg.AsyncConnection[Any]) -> None:
        """Writes the outcomes that piled up, batch after batch; returns once the dispatcher
        has stopped and everything is written."""
        while True:
            await self._records_ready.wait()
            self._records_ready.clear()
            records, self._records = self._records, []
            gone, self._gone = self._gone, set()
            if gone:
                async with writes.transaction():
                    kept = await record_attempts(writes, records)
                    for endpoint_id in gone:
                        failed = await disable_endpoint(writes, endpoint_id, reason=GONE_REASON)
                        self._metrics.webhook_deliveries.labels("failed").inc(failed)
                        log.warning(
                            "webhook endpoint disabled: it answered 410 Gone",
                            endpoint_id=str(endpoint_id),
                            deliveries_failed=failed,
                        )
            else:
                kept = await record_attempts(writes, records)
            if len(kept) < len(records):  # retried by hand, claimed again, failed by a 410
                dropped = [str(r.delivery_id) for r in records if r.delivery_id not in kept]
                log.info(
                    "attempt outcomes not recorded: their deliveries moved on meanwhile",
                    count=len(dropped),
                    deliveries=dropped[:10],
                )
            if self._stopping and not self._in_flight and not self._records:
                return


async def _read_at_most(response: httpx.Response, limit: int, *, deadline: float) -> bytes:
    """Up to `limit` bytes of the body, as they come (unread beyond); what arrived by the
    deadline or before the connection failed."""
    received = bytearray()
    try:
        async with asyncio.timeout_at(deadline):
            async for chunk in response.aiter_raw():
                received += chunk
                if len(received) >= limit:
                    break
    except (TimeoutError, httpx.HTTPError):
        pass
    return bytes(received[:limit])


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
