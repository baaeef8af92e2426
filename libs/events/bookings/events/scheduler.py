"""The rq-scheduler Scheduler that moves due reminders to the `booking-reminders` queue.

It differs from the stock one in precision only: due times and "now" are compared to the
sub-second (see reminders.py), so a reminder is queued within one polling interval after it is
due, never before. Each pass also queues RQ's own retries whose wait is over (RQ keeps those
in a registry that only RQ's scheduler would otherwise read), under the same lock.
"""

from __future__ import annotations

import time
from typing import Any

import redis
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.queue import Queue
from rq.registry import ScheduledJobRegistry
from rq_scheduler import Scheduler

from bookings.events.reminders import REMINDER_QUEUE, JsonJob, reminder_queue


class ReminderScheduler(Scheduler):  # type: ignore[misc]  # rq-scheduler ships no types
    def __init__(self, client: redis.Redis, *, interval: float) -> None:
        super().__init__(
            queue_name=REMINDER_QUEUE, interval=interval, connection=client, job_class=JsonJob
        )
        self._client = client

    def get_jobs_to_queue(self, with_times: bool = False) -> Any:
        return self.get_jobs(time.time(), with_times=with_times)

    def get_queue_for_job(self, job: Job) -> Queue:
        return reminder_queue(self._client)

    def enqueue_jobs(self) -> list[Job]:
        """Queues every job that is due; returns them."""
        due = list(self.get_jobs_to_queue())
        for job in due:
            self.enqueue_job(job)
        return due + self._enqueue_due_retries()

    def _enqueue_due_retries(self) -> list[Job]:
        queue = reminder_queue(self._client)
        registry = ScheduledJobRegistry(queue=queue)
        retried: list[Job] = []
        for job_id in registry.get_jobs_to_schedule(int(time.time())):
            registry.remove(job_id)
            try:
                job = JsonJob.fetch(job_id, connection=self._client)
            except NoSuchJobError:
                continue
            queue.enqueue_job(job)
            retried.append(job)
        return retried
