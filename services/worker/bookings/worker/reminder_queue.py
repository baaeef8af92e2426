"""Where reminder jobs live in Redis: their queue, their ids, their JSON form, their scheduler.

One RQ job per booking, under a deterministic id, queued on `booking-reminders`. Jobs are
stored as JSON, never pickle, and name their function by dotted path; their meta records the
reminder's due time. rq-scheduler holds the jobs that wait for their time;
`reminder_scheduler` is the one configuration of it that both the scheduling side (relay,
reconciler) and the scheduler role use.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import redis
from rq.job import Job
from rq.queue import Queue
from rq.serializers import JSONSerializer
from rq_scheduler import Scheduler

REMINDER_QUEUE = "booking-reminders"
# rq-scheduler's default; the scheduler role passes its own polling interval.
DEFAULT_INTERVAL_S = 60.0
DUE_AT_META = "due_at"


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


def reminder_scheduler(client: redis.Redis, *, interval_s: float = DEFAULT_INTERVAL_S) -> Scheduler:
    """rq-scheduler, queueing due jobs on the reminder queue as JSON jobs."""
    return Scheduler(
        queue_name=REMINDER_QUEUE, interval=interval_s, connection=client, job_class=JsonJob
    )


def due_at_of(job: Job) -> datetime | None:
    """The due time recorded in a reminder job's meta (None for a job made without it)."""
    recorded = job.meta.get(DUE_AT_META)
    return None if recorded is None else datetime.fromisoformat(recorded)
