"""The reminder job RQ runs: `send_reminder(booking_id, version)`.

RQ calls it by dotted path with the ids only, so what it needs (database, clock, metrics) is
installed into the worker process once, by the jobs role, before the first job runs. The domain
handler locks the booking, checks that the reminder is still owed (see
`Booking.reminder_is_owed`), marks it sent and writes the `booking.reminder` outbox event in one
transaction: however often the job runs, the reminder goes out once.

A job that runs before the due time its schedule recorded is a copy queued by a scheduler pass
racing a reschedule (see reminder_schedule.py): it sends nothing, the schedule sends on time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import structlog
from rq import get_current_job

from bookings.domain import handlers
from bookings.domain.commands import SendReminder
from bookings.domain.decisions import Context
from bookings.domain.model import Booking
from bookings.persistence.database import Database
from bookings.worker.metrics import WorkerMetrics
from bookings.worker.reminder_queue import due_at_of

log = structlog.get_logger(__name__)

# What the relay and the reconciler schedule; a test checks that it names this function.
JOB_FUNCTION = "bookings.worker.reminder_job.send_reminder"


@dataclass(frozen=True)
class JobRuntime:
    database: Database
    reminder_lead: timedelta
    metrics: WorkerMetrics


_runtime: list[JobRuntime] = []


def install(runtime: JobRuntime) -> None:
    _runtime[:] = [runtime]


def send_reminder(booking_id: str, version: int) -> bool:
    """Sends the reminder of `version` if it is due and still owed; returns whether it was sent."""
    if not _runtime:
        raise RuntimeError("reminder jobs run only in the worker's jobs role")
    runtime = _runtime[0]
    now = datetime.now(UTC)
    if _runs_early(now):
        runtime.metrics.reminder_jobs.labels(outcome="skipped").inc()
        log.warning("reminder job ran before its due time", booking_id=booking_id, version=version)
        return False
    command = SendReminder(booking_id=UUID(booking_id), version=version)
    context = Context(clock=lambda: datetime.now(UTC), reminder_lead=runtime.reminder_lead)
    reminded = runtime.database.run(lambda uow: handlers.send_reminder(command, uow, context))
    if reminded is None:
        runtime.metrics.reminder_jobs.labels(outcome="skipped").inc()
        log.info("reminder not owed", booking_id=booking_id, version=version)
        return False
    runtime.metrics.reminder_jobs.labels(outcome="sent").inc()
    lateness = _lateness_s(reminded)
    runtime.metrics.reminder_lateness.observe(max(lateness, 0.0))
    log.info("reminder sent", booking_id=booking_id, version=version, lateness_s=lateness)
    return True


def _runs_early(now: datetime) -> bool:
    """Whether the running job is before the due time its schedule recorded."""
    job = get_current_job()
    due_at = None if job is None else due_at_of(job)
    return due_at is not None and now < due_at


def _lateness_s(reminded: Booking) -> float:
    """Seconds from the reminder's due time to its sending, as the handler marked it."""
    sent_at = reminded.reminded_at or reminded.reminder_due_at
    return round((sent_at - reminded.reminder_due_at).total_seconds(), 4)
