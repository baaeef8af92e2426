"""Reminder schedules in rq-scheduler: schedule (or move), cancel, and check one booking's job.

One job per booking, under a deterministic id (see reminder_queue.py). A job carries only
`(booking_id, version)`: it re-reads the booking and sends only if that version is still owed.
Its meta records the due time, which `scheduled_at` reports and the job checks before it sends.

Whole seconds: rq-scheduler scores a schedule in whole epoch seconds (`to_unix` truncates) and
queues the jobs scored at or below the truncated now. So a reminder due later is scheduled at its
due time rounded up to the next whole second (`queue_time`): rq-scheduler's own comparison never
queues it before it is due. The scheduler role does not wait for that second: it reads the due
time the job records and queues the job within one polling interval after it (scheduler.py). A
reminder already due is scheduled at its due time, which the next polling pass queues.

Every call is idempotent (making it twice leaves Redis as making it once), because it cannot be
atomic: rq-scheduler writes with its own commands, outside any transaction of the caller's.
Moving a reminder takes the earlier job out of rq-scheduler, the queue and RQ's registries and
deletes it, then schedules the new one. A scheduler pass that read the earlier job just before
may still queue a copy of the job meanwhile: the job's own due-time check (reminder_job.py) and
the booking's version check make such a copy send nothing, and if that pass also took the new
schedule out, the reconciler puts it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import redis
from rq.exceptions import NoSuchJobError
from rq.job import JobStatus

from bookings.worker.reminder_queue import (
    DUE_AT_META,
    JsonJob,
    due_at_of,
    reminder_job_id,
    reminder_queue,
    reminder_scheduler,
)


def queue_time(due_at: datetime, *, now: datetime) -> datetime:
    """When rq-scheduler may queue a reminder due at `due_at`: at once if it is due by `now`,
    else at the first whole second at or after `due_at`."""
    whole = due_at.replace(microsecond=0)
    if due_at <= now or whole == due_at:
        return due_at
    return whole + timedelta(seconds=1)


@dataclass(frozen=True)
class ReminderJobOptions:
    function: str  # dotted path of the job function, e.g. "package.module.send_reminder"
    timeout_seconds: int = 30
    result_ttl_seconds: int = 3600


class ReminderSchedule:
    """Schedules, moves and cancels booking reminders, and tells whether one is still pending."""

    def __init__(self, client: redis.Redis, options: ReminderJobOptions) -> None:
        self._client = client
        self._options = options
        self._scheduler = reminder_scheduler(client)
        self._queue = reminder_queue(client)

    def schedule(
        self, booking_id: UUID, version: int, due_at: datetime, *, new_booking: bool = False
    ) -> None:
        """Schedules the reminder of `version` at `due_at`, replacing any earlier schedule.

        `new_booking` skips taking out what an earlier version left (a queued copy, fields of an
        earlier run): a booking just created has none, and this saves most of the commands.
        """
        job_id = reminder_job_id(booking_id)
        if not new_booking:
            self._remove(job_id)
        self._scheduler.enqueue_at(
            queue_time(due_at, now=datetime.now(UTC)),
            self._options.function,
            str(booking_id),
            version,
            job_id=job_id,
            timeout=self._options.timeout_seconds,
            job_result_ttl=self._options.result_ttl_seconds,
            job_description=f"reminder of booking {booking_id} version {version}",
            meta={DUE_AT_META: due_at.isoformat()},
        )

    def cancel(self, booking_id: UUID) -> None:
        self._remove(reminder_job_id(booking_id))

    def scheduled_at(self, booking_id: UUID) -> datetime | None:
        """The due time of the reminder rq-scheduler holds for the booking, if it holds one."""
        job_id = reminder_job_id(booking_id)
        if job_id not in self._scheduler:
            return None
        try:
            return due_at_of(JsonJob.fetch(job_id, connection=self._client))
        except NoSuchJobError:
            return None

    def is_pending(self, booking_id: UUID, version: int, *, stale_after: timedelta) -> bool:
        """Whether Redis still holds a live job that will send the reminder of `version`.

        A job counts if it is scheduled (by rq-scheduler, or by RQ for a retry), queued, or
        started recently enough that its worker may still be running it; a job started longer
        ago than `stale_after` was abandoned by a worker that died.
        """
        job_id = reminder_job_id(booking_id)
        try:
            job = JsonJob.fetch(job_id, connection=self._client)
        except NoSuchJobError:
            return False
        if list(job.args) != [str(booking_id), version]:
            return False
        if job_id in self._scheduler:
            return True
        status = job.get_status(refresh=False)
        if status == JobStatus.QUEUED:
            return self._queue.get_job_position(job_id) is not None
        if status == JobStatus.SCHEDULED:
            return job_id in self._queue.scheduled_job_registry
        if status == JobStatus.STARTED:
            started = job.last_heartbeat or job.started_at
            if started is None:
                return False
            return datetime.now(started.tzinfo) - started < stale_after
        return False

    def _remove(self, job_id: str) -> None:
        """Takes the job out of rq-scheduler, the queue and RQ's registries, and deletes it."""
        self._scheduler.cancel(job_id)
        try:
            job = JsonJob.fetch(job_id, connection=self._client)
        except NoSuchJobError:
            return
        with self._client.pipeline() as pipeline:
            job.delete(pipeline=pipeline, remove_from_queue=True)
            pipeline.execute()
