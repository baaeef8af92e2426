"""The reminder job RQ runs: `send_reminder(booking_id, version)`.

RQ calls it by dotted path with the ids only, so what it needs (database, clock, metrics) is
installed into the worker process once, by the jobs role, before the first job runs. The domain
handler locks the booking, checks that the reminder is still owed (see
`Booking.reminder_is_owed`), marks it sent and
writes the `booking.reminder` outbox event in one transaction: however often the job runs, the
reminder goes out once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import structlog

from bookings.domain import handlers
from bookings.domain.commands import SendReminder
from bookings.domain.decisions import Context
from bookings.persistence.database import Database
from bookings.persistence.uow import SqlUnitOfWork
from bookings.worker.metrics import WorkerMetrics

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
    """Sends the reminder of `version` if it is still owed; returns whether it was sent."""
    if not _runtime:
        raise RuntimeError("reminder jobs run only in the worker's jobs role")
    runtime = _runtime[0]
    command = SendReminder(booking_id=UUID(booking_id), version=version)
    context = Context(clock=lambda: datetime.now(UTC), reminder_lead=runtime.reminder_lead)
    sent = runtime.database.run(lambda uow: handlers.send_reminder(command, uow, context))
    if not sent:
        runtime.metrics.reminder_jobs.labels(outcome="skipped").inc()
        log.info("reminder not owed", booking_id=booking_id, version=version)
        return False
    runtime.metrics.reminder_jobs.labels(outcome="sent").inc()
    lateness = runtime.database.run(lambda uow: _lateness(uow, command.booking_id))
    if lateness is not None:
        runtime.metrics.reminder_lateness.observe(max(lateness, 0.0))
    log.info("reminder sent", booking_id=booking_id, version=version, lateness_s=lateness)
    return True


def _lateness(uow: SqlUnitOfWork, booking_id: UUID) -> float | None:
    """Seconds from due to sent, read back as stored (None if the booking changed meanwhile)."""
    with uow:
        booking = uow.bookings.get(booking_id)
    if booking is None or booking.reminded_at is None:
        return None
    return round((booking.reminded_at - booking.reminder_due_at).total_seconds(), 4)
