"""Reminder schedules in rq-scheduler: schedule (or move), cancel, and check one booking's job.

One job per booking, under a deterministic id, so scheduling again replaces the schedule instead
of adding a second one. A job carries only `(booking_id, version)`: the job re-reads the booking
and sends only if that version is still owed. Jobs name their function by dotted path (the
function lives in the worker) and are stored as JSON, never pickle.

rq-scheduler keeps schedules in a sorted set scored by epoch seconds. Its own `enqueue_at`
truncates the score to whole seconds (up to a second early); the score written here keeps the
sub-second due time, and `ReminderScheduler` (scheduler.py) compares it with the sub-second now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import redis
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus, Retry
from rq.queue import Queue
from rq.registry import ScheduledJobRegistry
from rq.serializers import JSONSerializer
from rq_scheduler import Scheduler

REMINDER_QUEUE = "booking-reminders"
SCHEDULED_JOBS_KEY: str = Scheduler.scheduled_jobs_key
QUEUE_KEY = f"{Queue.redis_queue_namespace_prefix}{REMINDER_QUEUE}"


def reminder_job_id(booking_id: UUID) -> str:
    """RQ ids allow letters, digits, `_` and `-`: a UUID's text fits as it is."""
    return f"reminder-{booking_id}"


class JsonJob(Job):
    """An RQ job whose arguments, meta and results are always JSON, whoever loads it."""

    def __init__(
        self, id: str | None = None, connection: redis.Redis | None = None, serializer: Any = None
    ) -> None:
        super().__init__(id, connection=connection, serializer=JSONSerializer)


def reminder_queue(client: redis.Redis) -> Queue:
    return Queue(REMINDER_QUEUE, connection=client, job_class=JsonJob, serializer=JSONSerializer)


@dataclass(frozen=True)
class ReminderJobOptions:
    function: str  # dotted path of the job function, e.g. "package.module.send_reminder"
    timeout_seconds: int = 30
    # Waits between attempts after a transient failure; their count is the number of retries.
    retry_intervals: tuple[int, ...] = (1, 2, 5, 10, 30)
    result_ttl_seconds: int = 3600
    failure_ttl_seconds: int = 7 * 24 * 3600


class ReminderSchedule:
    """Schedules, moves and cancels booking reminders; writes can join a caller's pipeline."""

    def __init__(self, client: redis.Redis, options: ReminderJobOptions) -> None:
        self._client = client
        self._options = options

    def schedule(
        self,
        booking_id: UUID,
        version: int,
        due_at: datetime,
        pipeline: redis.client.Pipeline | None = None,
        *,
        new_booking: bool = False,
    ) -> None:
        """Schedules the reminder of `version` at `due_at`, replacing any earlier schedule.

        `new_booking` skips clearing what an earlier version left (a queued copy, old fields):
        a booking just created has no earlier version, and this halves the Redis commands.
        """
        options = self._options
        job_id = reminder_job_id(booking_id)
        job = JsonJob.create(
            options.function,
            args=(str(booking_id), version),
            connection=self._client,
            id=job_id,
            origin=REMINDER_QUEUE,
            status=JobStatus.SCHEDULED,
            timeout=options.timeout_seconds,
            result_ttl=options.result_ttl_seconds,
            failure_ttl=options.failure_ttl_seconds,
            retry=Retry(max=len(options.retry_intervals), interval=list(options.retry_intervals)),
            description=f"reminder of booking {booking_id} version {version}",
        )
        target = pipeline if pipeline is not None else self._client.pipeline(transaction=True)
        if not new_booking:
            # A queued copy of the job must not run with the new arguments early.
            self._unqueue(target, job_id)
            target.delete(job.key)  # no field of an earlier run (status, error) survives
        job.save(pipeline=target)
        target.zadd(SCHEDULED_JOBS_KEY, {job_id: due_at.timestamp()})
        if pipeline is None:
            target.execute()

    def cancel(self, booking_id: UUID, pipeline: redis.client.Pipeline | None = None) -> None:
        job_id = reminder_job_id(booking_id)
        target = pipeline if pipeline is not None else self._client.pipeline(transaction=True)
        target.zrem(SCHEDULED_JOBS_KEY, job_id)
        self._unqueue(target, job_id)
        target.delete(JsonJob.key_for(job_id))
        if pipeline is None:
            target.execute()

    def scheduled_at(self, booking_id: UUID) -> datetime | None:
        """When rq-scheduler will queue the booking's reminder, if it holds one."""
        score = self._client.zscore(SCHEDULED_JOBS_KEY, reminder_job_id(booking_id))
        return None if score is None else datetime.fromtimestamp(float(score), UTC)

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
        if self._client.zscore(SCHEDULED_JOBS_KEY, job_id) is not None:
            return True
        status = job.get_status(refresh=False)
        if status == JobStatus.QUEUED:
            return self._client.lpos(QUEUE_KEY, job_id) is not None
        if status == JobStatus.SCHEDULED:
            registry = ScheduledJobRegistry(queue=reminder_queue(self._client))
            return job_id in registry
        if status == JobStatus.STARTED:
            started = job.last_heartbeat or job.started_at
            if started is None:
                return False
            now = datetime.now(started.tzinfo)
            return now - started < stale_after
        return False

    @staticmethod
    def _unqueue(pipeline: redis.client.Pipeline, job_id: str) -> None:
        pipeline.lrem(QUEUE_KEY, 0, job_id)
        pipeline.zrem(ScheduledJobRegistry.key_template.format(REMINDER_QUEUE), job_id)
