import json
import zlib
from datetime import UTC, datetime, timedelta
from typing import cast
from uuid import uuid4

import pytest
import redis
from rq.job import JobStatus

from bookings.worker.reminder_queue import (
    JsonJob,
    reminder_job_id,
    reminder_queue,
    reminder_scheduler,
)
from bookings.worker.reminder_schedule import ReminderJobOptions, ReminderSchedule, queue_time
from bookings.worker.scheduler import queue_due_reminders

# Never run here: these tests only look at what is scheduled and queued.
OPTIONS = ReminderJobOptions("some.module.send_reminder")
STALE = timedelta(seconds=30)
LATER = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def schedule(client: redis.Redis) -> ReminderSchedule:
    return ReminderSchedule(client, OPTIONS)


def scheduled_times(client: redis.Redis) -> dict[str, datetime]:
    """What rq-scheduler holds: job id → when it queues the job (it reports naive UTC)."""
    held = reminder_scheduler(client).get_jobs(with_times=True)
    return {job.id: at.replace(tzinfo=UTC) for job, at in held}


def test_a_later_due_time_is_rounded_up_to_the_next_whole_second() -> None:
    now = LATER - timedelta(hours=1)
    assert queue_time(LATER, now=now) == LATER
    assert queue_time(LATER + timedelta(microseconds=1), now=now) == LATER + timedelta(seconds=1)
    second_later = LATER + timedelta(seconds=1)
    assert queue_time(LATER + timedelta(milliseconds=999), now=now) == second_later


def test_a_reminder_already_due_is_queued_at_once() -> None:
    due = LATER + timedelta(milliseconds=250)
    assert queue_time(due, now=due) == due
    assert queue_time(due, now=due + timedelta(minutes=5)) == due


def test_a_reminder_is_queued_at_the_next_whole_second_with_ids_only(
    client: redis.Redis, schedule: ReminderSchedule
) -> None:
    booking_id = uuid4()
    due = LATER + timedelta(milliseconds=250)

    schedule.schedule(booking_id, 2, due)

    job_id = reminder_job_id(booking_id)
    assert scheduled_times(client) == {job_id: LATER + timedelta(seconds=1)}
    assert schedule.scheduled_at(booking_id) == due
    job = JsonJob.fetch(job_id, connection=client)
    assert job.func_name == "some.module.send_reminder"
    assert list(job.args) == [str(booking_id), 2]
    assert job.get_status() == JobStatus.SCHEDULED
    assert job.timeout == OPTIONS.timeout_seconds
    # Stored as JSON, never pickle: readable by anyone.
    raw = json.loads(zlib.decompress(cast(bytes, client.hget(job.key, "data"))))
    assert raw[2] == [str(booking_id), 2]


def test_scheduling_again_replaces_the_schedule(
    client: redis.Redis, schedule: ReminderSchedule
) -> None:
    booking_id = uuid4()

    schedule.schedule(booking_id, 1, LATER, new_booking=True)
    schedule.schedule(booking_id, 2, LATER + timedelta(hours=1))
    schedule.schedule(booking_id, 3, LATER + timedelta(hours=2))

    assert len(scheduled_times(client)) == 1
    assert schedule.scheduled_at(booking_id) == LATER + timedelta(hours=2)
    assert list(JsonJob.fetch(reminder_job_id(booking_id), connection=client).args)[1] == 3


def test_every_call_made_twice_leaves_what_making_it_once_does(
    client: redis.Redis, schedule: ReminderSchedule
) -> None:
    created, moved, cancelled = uuid4(), uuid4(), uuid4()

    for _ in range(2):
        schedule.schedule(created, 1, LATER, new_booking=True)
        schedule.schedule(moved, 2, LATER + timedelta(hours=1))
        schedule.cancel(cancelled)
    schedule.schedule(cancelled, 1, LATER, new_booking=True)
    for _ in range(2):
        schedule.cancel(cancelled)

    assert set(scheduled_times(client)) == {reminder_job_id(created), reminder_job_id(moved)}
    assert schedule.is_pending(created, 1, stale_after=STALE)
    assert schedule.is_pending(moved, 2, stale_after=STALE)
    assert not client.exists(JsonJob.key_for(reminder_job_id(cancelled)))


def test_cancelling_removes_the_schedule_and_the_job(
    client: redis.Redis, schedule: ReminderSchedule
) -> None:
    booking_id = uuid4()
    schedule.schedule(booking_id, 1, LATER)

    schedule.cancel(booking_id)

    assert schedule.scheduled_at(booking_id) is None
    assert not client.exists(JsonJob.key_for(reminder_job_id(booking_id)))
    assert not schedule.is_pending(booking_id, 1, stale_after=STALE)


def test_rescheduling_takes_a_queued_copy_back_out_of_the_queue(
    client: redis.Redis, schedule: ReminderSchedule
) -> None:
    booking_id = uuid4()
    schedule.schedule(booking_id, 1, datetime.now(UTC) - timedelta(seconds=1))
    queue_due_reminders(reminder_scheduler(client), datetime.now(UTC))
    queued_before = reminder_queue(client).count

    schedule.schedule(booking_id, 2, datetime.now(UTC) + timedelta(hours=1))

    assert queued_before == 1
    assert reminder_queue(client).count == 0
    assert schedule.is_pending(booking_id, 2, stale_after=STALE)


def test_rescheduling_takes_a_waiting_retry_out_and_leaves_nothing_of_the_earlier_run(
    client: redis.Redis, schedule: ReminderSchedule
) -> None:
    booking_id = uuid4()
    queue = reminder_queue(client)
    schedule.schedule(booking_id, 1, LATER)
    job = JsonJob.fetch(reminder_job_id(booking_id), connection=client)
    reminder_scheduler(client).cancel(job.id)  # as when the scheduler queued it and it failed
    job.retries_left = 2
    job.save()
    queue.schedule_job(job, datetime.now(UTC) + timedelta(seconds=5))

    schedule.schedule(booking_id, 2, LATER + timedelta(hours=1))

    assert job.id not in queue.scheduled_job_registry
    rescheduled = JsonJob.fetch(job.id, connection=client)
    assert list(rescheduled.args) == [str(booking_id), 2]
    assert rescheduled.retries_left is None


def test_a_job_for_another_version_or_a_lost_job_is_not_pending(
    client: redis.Redis, schedule: ReminderSchedule
) -> None:
    booking_id = uuid4()
    schedule.schedule(booking_id, 1, LATER)

    assert schedule.is_pending(booking_id, 1, stale_after=STALE)
    assert not schedule.is_pending(booking_id, 2, stale_after=STALE)
    client.flushdb()
    assert not schedule.is_pending(booking_id, 1, stale_after=STALE)


def test_a_queued_or_retry_waiting_job_is_pending_while_redis_holds_it(
    client: redis.Redis, schedule: ReminderSchedule
) -> None:
    booking_id = uuid4()
    queue = reminder_queue(client)
    schedule.schedule(booking_id, 1, datetime.now(UTC) - timedelta(seconds=1))
    [job] = queue_due_reminders(reminder_scheduler(client), datetime.now(UTC))

    assert schedule.is_pending(booking_id, 1, stale_after=STALE)
    queue.remove(job.id)  # a queue that lost it
    assert not schedule.is_pending(booking_id, 1, stale_after=STALE)
    queue.schedule_job(job, datetime.now(UTC) + timedelta(seconds=5))
    assert schedule.is_pending(booking_id, 1, stale_after=STALE)


def test_a_started_job_is_pending_until_its_worker_has_been_silent_too_long(
    client: redis.Redis, schedule: ReminderSchedule
) -> None:
    booking_id = uuid4()
    schedule.schedule(booking_id, 1, LATER)
    job = JsonJob.fetch(reminder_job_id(booking_id), connection=client)
    reminder_scheduler(client).cancel(job.id)  # as when the scheduler queued it
    job.set_status(JobStatus.STARTED)
    job.heartbeat(datetime.now(UTC) - timedelta(seconds=10), ttl=60)

    assert schedule.is_pending(booking_id, 1, stale_after=timedelta(seconds=30))
    assert not schedule.is_pending(booking_id, 1, stale_after=timedelta(seconds=5))
