"""The scheduler role: rq-scheduler's loop, polling every `SCHEDULER_INTERVAL_SECONDS`.

Same steps as rq-scheduler's own `run()` (birth, heartbeat, lock, queue due jobs, unlock,
death), written out so that it stops on an event instead of a signal and beats its heartbeat.
Each pass, under rq-scheduler's lock, queues the reminders whose due time has come and the
failed reminder jobs whose retry wait is over (RQ keeps those in a registry that only RQ's own
scheduler would otherwise read). Several schedulers may run: the lock lets one of them queue
jobs at a time.

rq-scheduler holds a reminder at its due time rounded up to a whole second (see
reminder_schedule.py), so its own pass would queue it up to a second late. This pass also reads
the reminders held for the coming second and queues each once the due time its job records has
come: within one polling interval after it is due, never before.
"""

from __future__ import annotations

import contextlib
import threading
import time
from datetime import UTC, datetime, timedelta

import redis
import structlog
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.queue import Queue
from rq_scheduler import Scheduler

from bookings.worker.heartbeat import Heartbeat
from bookings.worker.reminder_queue import JsonJob, due_at_of, reminder_queue, reminder_scheduler

log = structlog.get_logger(__name__)

ONE_SECOND = timedelta(seconds=1)


def queue_due_reminders(scheduler: Scheduler, now: datetime) -> list[Job]:
    """Queues the reminders rq-scheduler holds that are due by `now`; returns them."""
    coming_second = int(now.timestamp()) + 1
    held = scheduler.get_jobs(until=coming_second, with_times=True)
    due = [job for job, held_at in held if _due_at(job, held_at) <= now]
    for job in due:
        scheduler.enqueue_job(job)
    return due


def _due_at(job: Job, held_at: datetime) -> datetime:
    """The due time the job records if it belongs to the schedule rq-scheduler holds (that is
    within the second of its held time), else the held time (naive UTC as rq-scheduler gives it).

    A job of an earlier version, saved over the schedule by the worker that was running it when
    the booking changed, records the earlier due time.
    """
    held = held_at.replace(tzinfo=UTC)
    recorded = due_at_of(job)
    if recorded is None or abs(recorded - held) >= ONE_SECOND:
        return held
    return recorded


def queue_due_retries(queue: Queue) -> list[Job]:
    """Queues the failed jobs whose wait before their next attempt is over; returns them."""
    registry = queue.scheduled_job_registry
    retried: list[Job] = []
    for job_id in registry.get_jobs_to_schedule():
        registry.remove(job_id)
        try:
            job = JsonJob.fetch(job_id, connection=queue.connection)
        except NoSuchJobError:
            continue
        queue.enqueue_job(job)
        retried.append(job)
    return retried


def run_scheduler(
    client: redis.Redis, *, interval_s: float, stop: threading.Event, heartbeat: Heartbeat
) -> None:
    scheduler = reminder_scheduler(client, interval_s=interval_s)
    queue = reminder_queue(client)
    scheduler.register_birth()
    log.info("scheduler started", interval_s=interval_s)
    try:
        while not stop.is_set():
            started = time.monotonic()
            scheduler.heartbeat()
            if scheduler.acquire_lock():
                try:
                    now = datetime.now(UTC)
                    queued = queue_due_reminders(scheduler, now) + queue_due_retries(queue)
                finally:
                    scheduler.remove_lock()
                if queued:
                    log.debug("reminders queued", count=len(queued))
            heartbeat.beat()
            stop.wait(max(0.0, interval_s - (time.monotonic() - started)))
    finally:
        with contextlib.suppress(redis.RedisError):  # its key expires on its own
            scheduler.register_death()
