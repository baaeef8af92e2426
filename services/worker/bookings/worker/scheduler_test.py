"""The scheduler role's passes: due reminders and due retries to the queue, never early."""

import time
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import redis
from rq.job import Job

from bookings.worker.reminder_queue import (
    DUE_AT_META,
    JsonJob,
    reminder_job_id,
    reminder_queue,
    reminder_scheduler,
)
from bookings.worker.reminder_schedule import ReminderJobOptions, ReminderSchedule, queue_time
from bookings.worker.scheduler import queue_due_reminders, queue_due_retries

OPTIONS = ReminderJobOptions("some.module.send_reminder")  # never run here


def test_a_pass_queues_due_reminders_only(client: redis.Redis) -> None:
    schedule = ReminderSchedule(client, OPTIONS)
    due, later = uuid4(), uuid4()
    now = datetime.now(UTC)
    schedule.schedule(due, 1, now - timedelta(seconds=1))
    schedule.schedule(later, 1, now + timedelta(seconds=2))

    queued = queue_due_reminders(reminder_scheduler(client), datetime.now(UTC))

    assert [job.id for job in queued] == [reminder_job_id(due)]
    assert reminder_queue(client).get_job_ids() == [reminder_job_id(due)]


def test_a_reminder_is_queued_by_the_first_pass_after_its_due_time_not_its_whole_second(
    client: redis.Redis,
) -> None:
    schedule = ReminderSchedule(client, OPTIONS)
    scheduler = reminder_scheduler(client)
    booking_id = uuid4()
    due = datetime.now(UTC) + timedelta(milliseconds=300)
    schedule.schedule(booking_id, 1, due)

    passes: list[tuple[datetime, list[Job]]] = []  # (its now, what it queued)
    deadline = time.monotonic() + 3
    while not (passes and passes[-1][1]) and time.monotonic() < deadline:
        now = datetime.now(UTC)
        passes.append((now, queue_due_reminders(scheduler, now)))
        time.sleep(0.01)

    *before, (queued_at, queued) = passes
    assert [job.id for job in queued] == [reminder_job_id(booking_id)]
    assert queued_at >= due  # never before it is due
    assert all(now < due for now, _ in before)  # nor left waiting for its whole second


def test_a_job_recording_no_due_time_is_queued_at_the_time_rq_scheduler_holds_it(
    client: redis.Redis,
) -> None:
    scheduler = reminder_scheduler(client)
    held_at = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=5)
    scheduler.enqueue_at(held_at, OPTIONS.function, "a", 1, job_id="reminder-a")

    early = queue_due_reminders(scheduler, held_at - timedelta(milliseconds=1))
    on_time = queue_due_reminders(scheduler, held_at)

    assert early == []
    assert [job.id for job in on_time] == ["reminder-a"]


def test_a_pass_queues_failed_jobs_whose_retry_wait_is_over(client: redis.Redis) -> None:
    queue = reminder_queue(client)
    waited = queue.create_job(OPTIONS.function, args=("a", 1), job_id="reminder-a")
    waiting = queue.create_job(OPTIONS.function, args=("b", 1), job_id="reminder-b")
    queue.schedule_job(waited, datetime.now(UTC) - timedelta(seconds=1))
    queue.schedule_job(waiting, datetime.now(UTC) + timedelta(minutes=1))

    retried = queue_due_retries(queue)

    assert [job.id for job in retried] == ["reminder-a"]
    assert queue.get_job_ids() == ["reminder-a"]
    assert "reminder-a" not in queue.scheduled_job_registry
    assert "reminder-b" in queue.scheduled_job_registry
    assert list(JsonJob.fetch("reminder-a", connection=client).args) == ["a", 1]


def test_a_job_saved_over_a_schedule_by_an_earlier_version_is_queued_at_the_held_time(
    client: redis.Redis,
) -> None:
    schedule = ReminderSchedule(client, OPTIONS)
    scheduler = reminder_scheduler(client)
    booking_id = uuid4()
    now = datetime.now(UTC)
    new_due = now + timedelta(seconds=5, milliseconds=500)
    schedule.schedule(booking_id, 2, new_due)
    # The worker that ran version 1 when the booking changed saves that job over the new one.
    overwritten = JsonJob.fetch(reminder_job_id(booking_id), connection=client)
    overwritten.meta[DUE_AT_META] = (now - timedelta(seconds=1)).isoformat()
    overwritten.save_meta()
    held_at = queue_time(new_due, now=now)

    early = queue_due_reminders(scheduler, held_at - timedelta(milliseconds=1))
    on_time = queue_due_reminders(scheduler, held_at)

    assert early == []
    assert [job.id for job in on_time] == [reminder_job_id(booking_id)]
