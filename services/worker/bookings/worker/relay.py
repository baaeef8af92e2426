"""The outbox relay: publishes committed events to Redis and keeps reminder schedules in step.

Each batch is one PostgreSQL transaction: take the relay turn (one relay publishes at a time, so
a booking's events go out in version order, see `bookings.persistence.outbox`), claim rows
(`FOR UPDATE SKIP LOCKED`), write every
event to its channel and to the stream together with the reminder schedule changes in one Redis
MULTI/EXEC, then mark the rows published and commit. If Redis fails, nothing is marked and the
batch is claimed again later; if the commit fails after Redis took the batch, the events go out
again (at least once, never lost). A NOTIFY on channel `outbox` wakes the relay at once; a poll
catches anything a lost notification would have left behind.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from uuid import UUID

import msgspec
import psycopg
import redis
import structlog

from bookings.events.codec import decode_event
from bookings.events.publisher import EventPublisher, OutgoingEvent
from bookings.events.reminders import ReminderSchedule
from bookings.events.schemas import BookingCancelled, BookingCreated, BookingReminder, Event
from bookings.persistence.database import Database
from bookings.persistence.outbox import (
    OutboxRow,
    claim_unpublished,
    mark_published,
    outbox_lag,
    take_relay_turn,
)
from bookings.persistence.urls import libpq_url
from bookings.worker.heartbeat import Heartbeat
from bookings.worker.metrics import WorkerMetrics

log = structlog.get_logger(__name__)

NOTIFY_CHANNEL = "outbox"
LAG_EVERY_S = 1.0


class Relay:
    def __init__(
        self,
        database: Database,
        client: redis.Redis,
        publisher: EventPublisher,
        schedule: ReminderSchedule,
        metrics: WorkerMetrics,
        *,
        batch_size: int,
    ) -> None:
        self._database = database
        self._client = client
        self._publisher = publisher
        self._schedule = schedule
        self._metrics = metrics
        self._batch_size = batch_size

    def drain(self) -> int:
        """Publishes batches until none is left, or another relay has the turn; returns how
        many events went out."""
        total = 0
        while True:
            published = self.publish_batch()
            total += published
            if published < self._batch_size:
                return total

    def publish_batch(self) -> int:
        with self._database.engine.begin() as connection:
            if not take_relay_turn(connection):
                return 0
            rows = claim_unpublished(connection, limit=self._batch_size)
            if not rows:
                return 0
            with self._client.pipeline(transaction=True) as pipeline:
                self._publisher.add_to(
                    pipeline,
                    [OutgoingEvent(row.channel, row.payload, str(row.event_id)) for row in rows],
                )
                self._plan_reminders(pipeline, rows)
                pipeline.execute()
            now = datetime.now(UTC)
            mark_published(connection, [row.id for row in rows], now=now)
        self._metrics.outbox_published.inc(len(rows))
        for row in rows:
            self._metrics.outbox_publish_delay.observe((now - row.created_at).total_seconds())
        return len(rows)

    def update_lag(self) -> None:
        with self._database.engine.connect() as connection:
            lag = outbox_lag(connection)
        self._metrics.outbox_unpublished.set(lag.unpublished)
        oldest = lag.oldest_created_at
        age = 0.0 if oldest is None else (datetime.now(UTC) - oldest).total_seconds()
        self._metrics.outbox_lag.set(max(age, 0.0))

    def _plan_reminders(self, pipeline: redis.client.Pipeline, rows: list[OutboxRow]) -> None:
        """Brings each booking's reminder schedule to what its last event in the batch says."""
        last: dict[UUID, Event] = {}
        for row in rows:
            try:
                event = decode_event(row.payload)
            except msgspec.MsgspecError as error:
                # Published anyway: listeners decide; the reconciler still sees the booking.
                log.error("outbox event not understood", outbox_id=row.id, error=str(error))
                continue
            if not isinstance(event, BookingReminder):
                last[event.data.booking_id] = event
        for booking_id, event in last.items():
            data = event.data
            if isinstance(event, BookingCancelled):
                self._schedule.cancel(booking_id, pipeline)
            elif data.version is None or data.reminder_due_at is None:
                log.warning("event without reminder fields", event_id=str(event.id))
            else:
                self._schedule.schedule(
                    booking_id,
                    data.version,
                    data.reminder_due_at,
                    pipeline,
                    new_booking=isinstance(event, BookingCreated),
                )


def run_relay(
    relay: Relay,
    database_url: str,
    *,
    poll_interval_s: float,
    stop: threading.Event,
    heartbeat: Heartbeat,
) -> None:
    """Listens for NOTIFY and drains the outbox until `stop` is set; raises on outages."""
    with psycopg.connect(libpq_url(database_url), autocommit=True, connect_timeout=5) as listener:
        listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
        log.info("relay listening", channel=NOTIFY_CHANNEL)
        last_lag = 0.0
        while not stop.is_set():
            relay.drain()
            heartbeat.beat()
            now = datetime.now(UTC).timestamp()
            if now - last_lag >= LAG_EVERY_S:
                relay.update_lag()
                last_lag = now
            # Wakes on the first notification, or after the poll interval.
            for _ in listener.notifies(timeout=poll_interval_s, stop_after=1):
                pass
