"""Reminders and events survive crashes: a killed job, a Redis that lost its data or went down."""

import json
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import redis
import sqlalchemy as sa
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import JobStatus

from bookings.persistence.tables import outbox
from bookings.servers.processes import free_port, stop_process
from bookings.servers.redis import find_redis_server
from bookings.worker.reminder_queue import JsonJob, reminder_job_id
from bookings.worker.testing_bookings import Bookings, PublishedEvents
from bookings.worker.testing_processes import SETTLE_S, StartWorker, WorkerProcess


def wait_until(predicate: Callable[[], object], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def job_status(client: redis.Redis, job_id: str) -> JobStatus | None:
    """The job's status, or None while it has no hash: the reconciler may be replacing a job
    that it found silent for longer than its timeout."""
    try:
        return JsonJob.fetch(job_id, connection=client).get_status()
    except (NoSuchJobError, InvalidJobOperation):
        return None


def reminder_rows(bookings: Bookings, booking_id: object) -> int:
    with bookings.database.engine.connect() as connection:
        statement = sa.select(sa.func.count()).where(
            outbox.c.event_type == "booking.reminder",
            outbox.c.booking_id == booking_id,
        )
        count: int = connection.execute(statement).scalar_one()
        return count


def waits_for_a_lock(admin: psycopg.Connection[tuple[int]]) -> bool:
    """Whether a session of the test's database waits for a lock (the job, for the booking's row).

    `admin` is in autocommit: each query sees the sessions as they are now."""
    row = admin.execute(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    ).fetchone()
    return row is not None and row[0] > 0


def test_a_jobs_role_killed_in_the_middle_of_a_job_still_sends_the_reminder_once(
    start_worker: StartWorker,
    bookings: Bookings,
    published: PublishedEvents,
    postgres_url: str,
    redis_url: str,
) -> None:
    # A job is abandoned once silent for its timeout plus a margin: both short, so that the
    # killed job is scheduled again soon.
    timeout = {"REMINDER_JOB_TIMEOUT_SECONDS": "1", "REMINDER_JOB_ABANDONED_MARGIN_SECONDS": "0.5"}
    start_worker("relay", "scheduler", "reconciler", **timeout)
    jobs = start_worker("jobs", **timeout)
    booking = bookings.create(due_in=1.0)
    client = redis.Redis.from_url(redis_url)
    job_id = reminder_job_id(booking.id)

    # Hold the booking's row so that the job stops inside its transaction, then kill it there.
    with (
        psycopg.connect(postgres_url) as blocker,
        psycopg.connect(postgres_url, autocommit=True) as admin,
    ):
        blocker.execute("SELECT 1 FROM bookings WHERE id = %s FOR UPDATE", (booking.id,))
        wait_until(
            lambda: job_status(client, job_id) == JobStatus.STARTED,
            timeout=15,
            what="the job to start",
        )
        wait_until(lambda: waits_for_a_lock(admin), timeout=15, what="the job to wait for the row")
        jobs.kill()
        blocker.rollback()
    start_worker("jobs", **timeout)

    published.wait_for(
        lambda: published.of(booking.id, "booking.reminder"), timeout=30, what="the reminder"
    )
    time.sleep(SETTLE_S)  # would a second one follow?

    assert len(published.of(booking.id, "booking.reminder")) == 1
    assert reminder_rows(bookings, booking.id) == 1
    assert bookings.reminded_at(booking.id) is not None
    client.close()


def test_reminders_lost_by_redis_are_scheduled_again_and_sent_once(
    start_worker: StartWorker, bookings: Bookings, published: PublishedEvents, redis_url: str
) -> None:
    start_worker()
    booking = bookings.create(due_in=2.5)
    client = redis.Redis.from_url(redis_url)
    wait_until(
        lambda: client.exists(JsonJob.key_for(reminder_job_id(booking.id))),
        timeout=10,
        what="the reminder to be scheduled",
    )

    client.flushdb()  # Redis lost everything: the schedule, the queue, the stream
    assert bookings.reminded_at(booking.id) is None  # lost before it was sent

    published.wait_for(
        lambda: published.of(booking.id, "booking.reminder"), timeout=15, what="the reminder"
    )
    time.sleep(SETTLE_S)  # would a second one follow?
    assert len(published.of(booking.id, "booking.reminder")) == 1
    assert reminder_rows(bookings, booking.id) == 1
    client.close()


@contextmanager
def redis_on_port(port: int, scratch: Path) -> Iterator[str]:
    """A Redis server on a given port, so that it can come back where clients expect it."""
    binary = find_redis_server(scratch)
    argv = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(
        [*argv, "--dir", str(scratch)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        wait_until(lambda: _pings(client), timeout=15, what="Redis to start")
        client.close()
        yield url
    finally:
        stop_process(process)


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


def relay_failed(worker: WorkerProcess) -> bool:
    """Whether the worker's relay has logged a failed pass (it tries again after a pause)."""
    for line in worker.log().splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # not one of the worker's JSON lines
        failure = isinstance(entry, dict) and entry.get("event") == "loop failed; retrying"
        if failure and entry.get("loop") == "relay":
            return True
    return False


def test_events_committed_while_redis_is_down_are_published_once_it_is_back(
    start_worker: StartWorker, bookings: Bookings, tmp_path: Path
) -> None:
    port = free_port()
    with redis_on_port(port, tmp_path) as url:
        worker = start_worker(redis=url)
    # Redis is down: bookings are still created, their events wait in the outbox.
    created = [bookings.create(due_in=600 + i) for i in range(20)]
    wait_until(lambda: relay_failed(worker), timeout=15, what="the relay to find Redis down")

    with redis_on_port(port, tmp_path) as url:
        events = PublishedEvents(redis.Redis.from_url(url))
        wanted = {booking.id for booking in created}
        events.wait_for(
            lambda: wanted <= {e.data.booking_id for e in events.all()},
            timeout=30,
            what="the events of every booking",
        )
        time.sleep(SETTLE_S)  # would any go out twice?
        published_ids = [e.id for e in events.all() if e.data.booking_id in wanted]
        events.client.close()

    assert len(published_ids) == len(set(published_ids)) == 20
    with bookings.database.engine.connect() as connection:
        unpublished = connection.execute(
            sa.select(sa.func.count()).where(outbox.c.published_at.is_(None))
        ).scalar_one()
    assert unpublished == 0


def test_the_relay_reconnects_after_postgres_drops_its_connections(
    start_worker: StartWorker, bookings: Bookings, published: PublishedEvents, postgres_url: str
) -> None:
    start_worker("relay")

    # As in a PostgreSQL restart: every session of the worker is cut.
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        cut = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    booking = bookings.create(due_in=600)

    published.wait_for(
        lambda: published.of(booking.id, "booking.created"), timeout=20, what="the event"
    )
    assert cut is not None
    assert cut[0] >= 1  # the relay's LISTEN session at least
    assert len(published.of(booking.id, "booking.created")) == 1
