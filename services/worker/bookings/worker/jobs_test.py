"""The jobs role's RQ worker and stop requests: a SIGTERM stops it whenever it comes."""

import signal
import subprocess
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from types import FrameType

import psycopg
import redis
from prometheus_client import CollectorRegistry
from rq.job import JobStatus
from rq.worker import BaseWorker, Worker, WorkerStatus

from bookings.persistence.database import Database
from bookings.worker.heartbeat import Heartbeat
from bookings.worker.jobs import reminder_worker, run_jobs
from bookings.worker.metrics import WorkerMetrics
from bookings.worker.reminder_job import JOB_FUNCTION
from bookings.worker.reminder_queue import JsonJob, reminder_job_id, reminder_queue
from bookings.worker.roles import Role
from bookings.worker.testing_bookings import Bookings
from bookings.worker.testing_processes import StartWorker, WorkerProcess

STOPS_WITHIN_S = 10


def test_a_stop_requested_before_rq_takes_sigterm_over_is_not_lost(client: redis.Redis) -> None:
    stop = threading.Event()
    stop.set()  # SIGTERM arrived while the role was starting
    heartbeat = Heartbeat(client, Role.JOBS, stall_after_s=60)
    worker = reminder_worker(
        client, WorkerMetrics(CollectorRegistry()), stop=stop, heartbeat=heartbeat
    )
    waiting = reminder_queue(client).enqueue(JOB_FUNCTION, "not-a-booking-id", 1)

    worked = worker.work(max_idle_time=5)  # the bound keeps a failure short

    assert not worked
    assert waiting.get_status(refresh=True) == JobStatus.QUEUED  # a stopping worker took no job
    assert reminder_queue(client).get_job_ids() == [waiting.id]


def test_the_role_gets_its_signal_handlers_back_from_rq(
    client: redis.Redis, postgres_url: str
) -> None:
    stop = threading.Event()

    def role_handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    kept = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
    signal.signal(signal.SIGTERM, role_handler)
    signal.signal(signal.SIGINT, role_handler)
    database = Database(postgres_url)
    try:
        stop.set()
        run_jobs(
            client,
            database,
            WorkerMetrics(CollectorRegistry()),
            reminder_lead=timedelta(seconds=2),
            stop=stop,
            heartbeat=Heartbeat(client, Role.JOBS, stall_after_s=60),
        )
        handlers = (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT))
    finally:
        database.close()
        for signum, handler in kept.items():
            signal.signal(signum, handler)

    assert handlers == (role_handler, role_handler)


def wait_until(predicate: Callable[[], object], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.005)


def rq_worker_of(client: redis.Redis, process: WorkerProcess) -> BaseWorker | None:
    pid = process.process.pid
    return next((w for w in Worker.all(connection=client) if w.pid == pid), None)


def waits_for_jobs(client: redis.Redis, process: WorkerProcess) -> bool:
    worker = rq_worker_of(client, process)
    return worker is not None and worker.get_state() == WorkerStatus.IDLE


def stopped_cleanly(process: WorkerProcess) -> bool:
    try:
        return process.process.wait(timeout=STOPS_WITHIN_S) == 0
    except subprocess.TimeoutExpired:
        return False


def test_a_sigterm_stops_the_jobs_role_at_every_stage_and_after_the_job_under_way(
    start_worker: StartWorker, bookings: Bookings, client: redis.Redis, postgres_url: str
) -> None:
    starting, registering, idle, busy = (start_worker("jobs", wait=False) for _ in range(4))

    # Its own handlers are in place, RQ's are not yet.
    wait_until(lambda: '"role started"' in starting.log(), timeout=60, what="the role to start")
    starting.process.send_signal(signal.SIGTERM)
    # RQ's worker is born: it takes the signals over about now.
    wait_until(lambda: rq_worker_of(client, registering), timeout=60, what="the RQ worker")
    registering.process.send_signal(signal.SIGTERM)
    # RQ waits for a job, with its handlers in place.
    for process in (idle, busy):
        wait_until(
            partial(waits_for_jobs, client, process), timeout=60, what="the RQ worker to idle"
        )
    idle.process.send_signal(signal.SIGTERM)
    stopped = [stopped_cleanly(p) for p in (starting, registering, idle)]

    booking = bookings.create(due_in=-1)
    job_id = reminder_job_id(booking.id)
    with psycopg.connect(postgres_url) as blocker:
        # The job waits for this lock inside its transaction.
        blocker.execute("SELECT 1 FROM bookings WHERE id = %s FOR UPDATE", (booking.id,))
        reminder_queue(client).enqueue(
            JOB_FUNCTION, str(booking.id), booking.version, job_id=job_id
        )
        wait_until(
            lambda: JsonJob.fetch(job_id, connection=client).get_status() == JobStatus.STARTED,
            timeout=15,
            what="the job to start",
        )
        busy.process.send_signal(signal.SIGTERM)
        time.sleep(0.2)
        still_running = busy.process.poll() is None
        blocker.rollback()

    assert stopped == [True, True, True]
    assert still_running  # RQ's warm shutdown: the job under way finishes first
    assert stopped_cleanly(busy)
    assert bookings.reminded_at(booking.id) is not None
