"""The reconciler: puts back reminders that Redis lost, and does the periodic housekeeping.

PostgreSQL is the record of which reminders are owed; Redis only holds their schedules. Every
pass reads the owed reminders due before `now + horizon` and schedules again each one that
Redis holds no live job for (its data was lost, a worker died mid-job, a schedule went
missing in a race). Scheduling twice is harmless: the job sends only what is still owed.
Housekeeping: expired idempotency keys, published outbox rows and finished (delivered or
failed) webhook deliveries past their retention are deleted, and the event stream is trimmed by
age.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import redis
import structlog

from bookings.events.trimming import trim_stream_by_age
from bookings.persistence.database import Database
from bookings.persistence.reminders import owed_reminders
from bookings.persistence.retention import (
    delete_finished_deliveries_before,
    delete_idempotency_keys_before,
    delete_published_outbox_rows_before,
)
from bookings.worker.heartbeat import Heartbeat
from bookings.worker.metrics import WorkerMetrics
from bookings.worker.reminder_schedule import ReminderSchedule
from bookings.worker.settings import WorkerSettings

log = structlog.get_logger(__name__)

MAX_PER_PASS = 5000


@dataclass(frozen=True)
class ReconcilerPolicy:
    horizon: timedelta
    # A started job is abandoned once it has been silent longer than its timeout plus the margin.
    job_timeout: timedelta
    abandoned_margin: timedelta
    idempotency_key_ttl: timedelta
    outbox_retention: timedelta
    stream_max_age: timedelta
    webhook_delivery_retention: timedelta

    @classmethod
    def of(cls, settings: WorkerSettings) -> ReconcilerPolicy:
        """The reconciler's part of the worker's settings."""
        return cls(
            horizon=settings.reconcile_horizon,
            job_timeout=settings.reminder_job_timeout,
            abandoned_margin=settings.reminder_job_abandoned_margin,
            idempotency_key_ttl=settings.common.idempotency_key_ttl,
            outbox_retention=settings.outbox_retention,
            stream_max_age=settings.stream_max_age,
            webhook_delivery_retention=settings.webhooks.delivery_retention,
        )


class Reconciler:
    def __init__(
        self,
        database: Database,
        client: redis.Redis,
        schedule: ReminderSchedule,
        metrics: WorkerMetrics,
        policy: ReconcilerPolicy,
    ) -> None:
        self._database = database
        self._client = client
        self._schedule = schedule
        self._metrics = metrics
        self._policy = policy

    def reschedule_lost_reminders(self, now: datetime) -> int:
        """Schedules the owed reminders Redis has no live job for; returns how many."""
        with self._database.engine.connect() as connection:
            owed = owed_reminders(
                connection, due_before=now + self._policy.horizon, limit=MAX_PER_PASS
            )
        stale_after = self._policy.job_timeout + self._policy.abandoned_margin
        rescheduled = 0
        for reminder in owed:
            if self._schedule.is_pending(
                reminder.booking_id, reminder.version, stale_after=stale_after
            ):
                continue
            self._schedule.schedule(reminder.booking_id, reminder.version, reminder.due_at)
            rescheduled += 1
            log.warning(
                "reminder scheduled again",
                booking_id=str(reminder.booking_id),
                version=reminder.version,
                due_at=reminder.due_at.isoformat(),
            )
        self._metrics.reminders_rescheduled.inc(rescheduled)
        return rescheduled

    def sweep(self, now: datetime) -> None:
        with self._database.engine.begin() as connection:
            deleted = delete_idempotency_keys_before(
                connection, now - self._policy.idempotency_key_ttl
            )
        self._metrics.idempotency_keys_deleted.inc(deleted)
        pruned = delete_published_outbox_rows_before(
            self._database.engine, now - self._policy.outbox_retention
        )
        self._metrics.outbox_rows_deleted.inc(pruned)
        finished = delete_finished_deliveries_before(
            self._database.engine, now - self._policy.webhook_delivery_retention
        )
        self._metrics.webhook_deliveries_deleted.inc(finished)
        trimmed = trim_stream_by_age(self._client, max_age=self._policy.stream_max_age, now=now)
        if deleted or pruned or finished or trimmed:
            log.info(
                "housekeeping",
                idempotency_keys_deleted=deleted,
                outbox_rows_deleted=pruned,
                webhook_deliveries_deleted=finished,
                stream_entries_trimmed=trimmed,
            )

    def run_once(self) -> None:
        now = datetime.now(UTC)
        self.reschedule_lost_reminders(now)
        self.sweep(now)


def run_reconciler(
    reconciler: Reconciler, *, interval_s: float, stop: threading.Event, heartbeat: Heartbeat
) -> None:
    while not stop.is_set():
        reconciler.run_once()
        heartbeat.beat()
        stop.wait(interval_s)
