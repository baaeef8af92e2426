"""The outbox relay: publishes committed events to Redis, records their webhook deliveries and
keeps reminder schedules in step.

Each batch is one PostgreSQL transaction: take the relay turn (one relay publishes at a time, so
a booking's events go out in version order, see `bookings.persistence.outbox`), claim rows
(`FOR UPDATE SKIP LOCKED`), bring the reminder schedules in step (idempotent, so a batch that
fails later may do it again), record one webhook delivery per event and matching endpoint, write
every event to its channel and to the stream in one Redis MULTI/EXEC, then mark the rows
published and commit: the deliveries commit exactly with `published_at`. The relay routes and
plans by the outbox row's columns; an event's data goes out as the bytes the row keeps, never
decoded. If Redis fails, nothing is marked or recorded and the batch is claimed again later; if
the commit fails after Redis took the batch, the events go out again (at least once, never
lost). A NOTIFY on channel `outbox` wakes the relay at once; a poll catches anything a lost
notification would have left behind.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from uuid import UUID

import psycopg
import structlog

from bookings.events.encoding import timestamp
from bookings.events.publisher import EventPublisher, OutgoingEvent
from bookings.events.schemas import CANCELLED, CREATED, REMINDER
from bookings.persistence.database import Database
from bookings.persistence.outbox import (
    OutboxRow,
    claim_unpublished,
    mark_published,
    outbox_lag,
    record_webhook_deliveries,
    take_relay_turn,
)
from bookings.persistence.urls import libpq_url
from bookings.worker.heartbeat import Heartbeat
from bookings.worker.metrics import WorkerMetrics
from bookings.worker.reminder_schedule import ReminderSchedule

log = structlog.get_logger(__name__)

NOTIFY_CHANNEL = "outbox"
LAG_EVERY_S = 1.0


class Relay:
    def __init__(
        self,
        database: Database,
        publisher: EventPublisher,
        schedule: ReminderSchedule,
        metrics: WorkerMetrics,
        *,
        batch_size: int,
    ) -> None:
        self._database = database
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
            # Schedules first: doing that again is harmless, publishing again is not.
            self._plan_reminders(rows)
            ids = [row.id for row in rows]
            record_webhook_deliveries(connection, ids)
            self._publisher.publish([_outgoing(row) for row in rows])
            now = datetime.now(UTC)
            mark_published(connection, ids, now=now)
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

    def _plan_reminders(self, rows: list[OutboxRow]) -> None:
        """Brings each booking's reminder schedule to what its last event in the batch says."""
        last: dict[UUID, OutboxRow] = {}
        for row in rows:
            if row.event_type != REMINDER:
                last[row.booking_id] = row
        for booking_id, row in last.items():
            if row.event_type == CANCELLED:
                self._schedule.cancel(booking_id)
            elif row.reminder_due_at is None:
                log.warning("event without a reminder due time", event_id=str(row.event_id))
            else:
                self._schedule.schedule(
                    booking_id,
                    row.version,
                    row.reminder_due_at,
                    new_booking=row.event_type == CREATED,
                )


def _outgoing(row: OutboxRow) -> OutgoingEvent:
    return OutgoingEvent(
        event_type=row.event_type,
        event_id=str(row.event_id),
        occurred_at=timestamp(row.created_at),
        provider_id=row.provider_id,
        data=row.data,
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
