"""The reminder job inside a real RQ worker: what it sends, and how its failures show."""

import threading
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
import redis
from prometheus_client import CollectorRegistry
from rq.job import JobStatus, Retry
from rq.registry import FailedJobRegistry, ScheduledJobRegistry
from rq.utils import import_attribute

from bookings.persistence.database import Database
from bookings.worker import reminder_job
from bookings.worker.heartbeat import Heartbeat
from bookings.worker.jobs import RETRY_INTERVALS, reminder_worker
from bookings.worker.metrics import WorkerMetrics
from bookings.worker.reminder_queue import (
    DUE_AT_META,
    REMINDER_QUEUE,
    JsonJob,
    reminder_job_id,
    reminder_queue,
    reminder_scheduler,
)
from bookings.worker.reminder_schedule import ReminderSchedule
from bookings.worker.role_process import reminder_schedule
from bookings.worker.roles import Role
from bookings.worker.scheduler import queue_due_reminders, queue_due_retries
from bookings.worker.settings import WorkerSettings
from bookings.worker.testing_bookings import Bookings


@pytest.fixture
def schedule(client: redis.Redis) -> ReminderSchedule:
    return reminder_schedule(client, WorkerSettings.from_env())


def run_due_jobs(client: redis.Redis, database: Database) -> WorkerMetrics:
    """Queues what is due and runs the queue once, as the scheduler and jobs roles would."""
    metrics = WorkerMetrics(CollectorRegistry())
    lead = timedelta(seconds=2)
    reminder_job.install(reminder_job.JobRuntime(database, lead, metrics))
    queue_due_reminders(reminder_scheduler(client), datetime.now(UTC))
    queue_due_retries(reminder_queue(client))
    heartbeat = Heartbeat(client, Role.JOBS, stall_after_s=60)
    worker = reminder_worker(client, metrics, stop=threading.Event(), heartbeat=heartbeat)
    worker.work(burst=True, logging_level="WARNING")
    return metrics


def sample(metrics: WorkerMetrics, name: str, **labels: str) -> float:
    for metric in [metrics.reminder_jobs, metrics.reminder_job_failures]:
        for family in metric.collect():
            for s in family.samples:
                if s.name == name and s.labels == labels:
                    return s.value
    return 0.0


def test_the_scheduled_job_function_is_send_reminder() -> None:
    assert import_attribute(reminder_job.JOB_FUNCTION) is reminder_job.send_reminder


def test_a_due_reminder_is_sent_once_even_if_its_job_runs_twice(
    client: redis.Redis, schedule: ReminderSchedule, bookings: Bookings
) -> None:
    booking = bookings.create(due_in=-1)
    schedule.schedule(booking.id, booking.version, booking.reminder_due_at)
    first = run_due_jobs(client, bookings.database)
    schedule.schedule(booking.id, booking.version, booking.reminder_due_at)

    second = run_due_jobs(client, bookings.database)

    assert bookings.reminded_at(booking.id) is not None
    assert sample(first, "bookings_reminder_jobs_processed_total", outcome="sent") == 1
    assert sample(second, "bookings_reminder_jobs_processed_total", outcome="skipped") == 1


def test_a_job_for_an_older_version_sends_nothing_before_the_new_reminder_is_due(
    client: redis.Redis, schedule: ReminderSchedule, bookings: Bookings
) -> None:
    booking = bookings.create(due_in=-1)
    bookings.move(booking, due_in=3600)
    schedule.schedule(booking.id, booking.version, booking.reminder_due_at)  # the old version

    run_due_jobs(client, bookings.database)

    assert bookings.reminded_at(booking.id) is None


def test_a_change_racing_the_running_job_still_gets_its_reminder_when_due(
    client: redis.Redis, schedule: ReminderSchedule, bookings: Bookings
) -> None:
    booking = bookings.create(due_in=-1)
    moved = bookings.move(booking, due_in=-0.5)
    schedule.schedule(moved.id, moved.version, moved.reminder_due_at)
    # The old version's job was running during the change: when it finishes, RQ saves that job,
    # old arguments included, over the new schedule's job of the same id.
    JsonJob.create(
        reminder_job.JOB_FUNCTION,
        args=(str(booking.id), booking.version),
        id=reminder_job_id(moved.id),
        connection=client,
        origin=REMINDER_QUEUE,
        status=JobStatus.FINISHED,
    ).save()

    metrics = run_due_jobs(client, bookings.database)

    assert bookings.reminded_at(moved.id) is not None
    assert sample(metrics, "bookings_reminder_jobs_processed_total", outcome="sent") == 1


def test_a_job_that_cannot_succeed_fails_at_once_and_visibly(
    client: redis.Redis, schedule: ReminderSchedule, bookings: Bookings
) -> None:
    # Bad data: every retry would fail the same way.
    job = reminder_queue(client).enqueue(
        reminder_job.JOB_FUNCTION, "not-a-booking-id", 1, retry=Retry(max=3, interval=1)
    )

    metrics = run_due_jobs(client, bookings.database)

    assert job.get_status(refresh=True) == JobStatus.FAILED
    assert job.id in FailedJobRegistry(queue=reminder_queue(client))
    assert sample(metrics, "bookings_reminder_jobs_failed_total", final="true") == 1


def test_a_transient_failure_is_retried_later(client: redis.Redis) -> None:
    unreachable = Database("postgresql://nobody@127.0.0.1:1/none")
    schedule = reminder_schedule(client, WorkerSettings.from_env())
    booking_id = UUID(int=7)  # never read: the database is unreachable
    schedule.schedule(booking_id, 1, datetime.now(UTC) - timedelta(seconds=1))

    metrics = run_due_jobs(client, unreachable)

    job = JsonJob.fetch(reminder_job_id(booking_id), connection=client)
    assert job.get_status() == JobStatus.SCHEDULED
    assert job.id in ScheduledJobRegistry(queue=reminder_queue(client))
    assert job.retries_left == len(RETRY_INTERVALS) - 1
    assert sample(metrics, "bookings_reminder_jobs_failed_total", final="false") == 1


def test_a_copy_queued_before_its_due_time_sends_nothing_and_leaves_the_schedule(
    client: redis.Redis, schedule: ReminderSchedule, bookings: Bookings
) -> None:
    booking = bookings.create(due_in=3600)
    schedule.schedule(booking.id, booking.version, booking.reminder_due_at)
    # A scheduler pass that raced a reschedule queued the job before its time.
    early_copy = JsonJob.fetch(reminder_job_id(booking.id), connection=client)
    reminder_queue(client).enqueue_job(early_copy)

    metrics = run_due_jobs(client, bookings.database)

    assert early_copy.meta[DUE_AT_META] == booking.reminder_due_at.isoformat()
    assert bookings.reminded_at(booking.id) is None
    assert sample(metrics, "bookings_reminder_jobs_processed_total", outcome="skipped") == 1
    assert schedule.scheduled_at(booking.id) == booking.reminder_due_at  # sent when due
