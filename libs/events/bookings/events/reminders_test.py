import json
import time
import zlib
from datetime import UTC, datetime, timedelta
from typing import cast
from uuid import uuid4

import redis
from rq.job import JobStatus

from bookings.events.reminders import (
    QUEUE_KEY,
    SCHEDULED_JOBS_KEY,
    JsonJob,
    ReminderJobOptions,
    ReminderSchedule,
    reminder_job_id,
)
from bookings.events.scheduler import ReminderScheduler

# Never run here: these tests only look at what is scheduled and queued.
OPTIONS = ReminderJobOptions("some.module.send_reminder")
STALE = timedelta(seconds=30)


def test_a_reminder_is_scheduled_at_its_sub_second_due_time_with_ids_only(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    booking_id = uuid4()
    due = datetime(2030, 1, 1, 9, 0, 0, 250_000, tzinfo=UTC)

    ReminderSchedule(client, OPTIONS).schedule(booking_id, 2, due)

    job_id = reminder_job_id(booking_id)
    assert client.zscore(SCHEDULED_JOBS_KEY, job_id) == due.timestamp()
    job = JsonJob.fetch(job_id, connection=client)
    assert job.func_name == "some.module.send_reminder"
    assert list(job.args) == [str(booking_id), 2]
    assert job.get_status() == JobStatus.SCHEDULED
    # Stored as JSON, never pickle: readable by anyone.
    raw = json.loads(zlib.decompress(cast(bytes, client.hget(job.key, "data"))))
    assert raw[2] == [str(booking_id), 2]
    client.close()


def test_scheduling_again_replaces_the_schedule(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    schedule = ReminderSchedule(client, OPTIONS)
    booking_id = uuid4()
    first = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)

    schedule.schedule(booking_id, 1, first)
    schedule.schedule(booking_id, 2, first + timedelta(hours=1))
    schedule.schedule(booking_id, 3, first + timedelta(hours=2))

    assert client.zcard(SCHEDULED_JOBS_KEY) == 1
    assert schedule.scheduled_at(booking_id) == first + timedelta(hours=2)
    assert list(JsonJob.fetch(reminder_job_id(booking_id), connection=client).args)[1] == 3
    client.close()


def test_cancelling_removes_the_schedule_and_the_job(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    schedule = ReminderSchedule(client, OPTIONS)
    booking_id = uuid4()
    schedule.schedule(booking_id, 1, datetime(2030, 1, 1, tzinfo=UTC))

    schedule.cancel(booking_id)

    assert schedule.scheduled_at(booking_id) is None
    assert not client.exists(JsonJob.key_for(reminder_job_id(booking_id)))
    assert not schedule.is_pending(booking_id, 1, stale_after=STALE)
    client.close()


def test_the_scheduler_queues_due_reminders_only(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    schedule = ReminderSchedule(client, OPTIONS)
    due, later = uuid4(), uuid4()
    now = datetime.now(UTC)
    schedule.schedule(due, 1, now - timedelta(milliseconds=10))
    schedule.schedule(later, 1, now + timedelta(milliseconds=400))

    queued = ReminderScheduler(client, interval=0.05).enqueue_jobs()

    assert [job.id for job in queued] == [reminder_job_id(due)]
    assert client.lrange(QUEUE_KEY, 0, -1) == [reminder_job_id(due).encode()]
    assert schedule.is_pending(due, 1, stale_after=STALE)  # queued counts
    assert schedule.is_pending(later, 1, stale_after=STALE)  # scheduled counts
    client.close()


def test_the_scheduler_does_not_queue_a_reminder_a_fraction_of_a_second_early(
    redis_url: str,
) -> None:
    client = redis.Redis.from_url(redis_url)
    schedule = ReminderSchedule(client, OPTIONS)
    booking_id = uuid4()
    due = datetime.now(UTC) + timedelta(milliseconds=300)
    schedule.schedule(booking_id, 1, due)
    scheduler = ReminderScheduler(client, interval=0.01)

    early = scheduler.enqueue_jobs()
    time.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()) + 0.01)
    on_time = scheduler.enqueue_jobs()

    assert early == []
    assert [job.id for job in on_time] == [reminder_job_id(booking_id)]
    client.close()


def test_rescheduling_takes_a_queued_copy_back_out_of_the_queue(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    schedule = ReminderSchedule(client, OPTIONS)
    booking_id = uuid4()
    schedule.schedule(booking_id, 1, datetime.now(UTC) - timedelta(seconds=1))
    ReminderScheduler(client, interval=0.05).enqueue_jobs()

    schedule.schedule(booking_id, 2, datetime.now(UTC) + timedelta(hours=1))

    assert client.llen(QUEUE_KEY) == 0
    assert schedule.is_pending(booking_id, 2, stale_after=STALE)
    client.close()


def test_a_job_for_another_version_or_a_lost_job_is_not_pending(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    schedule = ReminderSchedule(client, OPTIONS)
    booking_id = uuid4()
    schedule.schedule(booking_id, 1, datetime(2030, 1, 1, tzinfo=UTC))

    assert schedule.is_pending(booking_id, 1, stale_after=STALE)
    assert not schedule.is_pending(booking_id, 2, stale_after=STALE)
    client.flushdb()
    assert not schedule.is_pending(booking_id, 1, stale_after=STALE)
    client.close()


def test_a_started_job_is_pending_until_its_worker_has_been_silent_too_long(
    redis_url: str,
) -> None:
    client = redis.Redis.from_url(redis_url)
    schedule = ReminderSchedule(client, OPTIONS)
    booking_id = uuid4()
    schedule.schedule(booking_id, 1, datetime(2030, 1, 1, tzinfo=UTC))
    job = JsonJob.fetch(reminder_job_id(booking_id), connection=client)
    client.zrem(SCHEDULED_JOBS_KEY, job.id)  # as when a worker took it
    job.set_status(JobStatus.STARTED)
    job.heartbeat(datetime.now(UTC) - timedelta(seconds=10), ttl=60)

    assert schedule.is_pending(booking_id, 1, stale_after=timedelta(seconds=30))
    assert not schedule.is_pending(booking_id, 1, stale_after=timedelta(seconds=5))
    client.close()
