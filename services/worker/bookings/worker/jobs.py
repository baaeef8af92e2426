"""The jobs role: an RQ worker on the `booking-reminders` queue running `send_reminder`.

It runs jobs in its own process (no fork per job: a reminder is a few milliseconds of database
work, a fork would cost more), with RQ's warm shutdown on SIGTERM: the job under way finishes
first. Until RQ's `work()` takes SIGTERM and SIGINT over, the role's own handlers only set the
stop event (see role_process.py); RQ asks `check_for_suspension` at the top of every turn of its
loop, and the worker stops there once the event is set, so a signal that came while RQ was
starting is not lost. When `work()` returns, the role's handlers are put back.

Transient failures (database or Redis unreachable, a timeout) are retried: the first one gives
the job `RETRY_INTERVALS`, the waits between its next attempts. Anything else fails at once. A
failure with no retry left lands in RQ's failed job registry (kept `FAILED_JOB_TTL_S`), is
logged as an error and counted in `bookings_reminder_jobs_failed{final="true"}`.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from datetime import timedelta
from types import FrameType, TracebackType
from typing import Any

import psycopg
import redis
import sqlalchemy.exc
import structlog
from rq import SimpleWorker
from rq.exceptions import StopRequested
from rq.job import Job
from rq.serializers import JSONSerializer
from rq.timeouts import JobTimeoutException

from bookings.domain.errors import StaleBooking
from bookings.persistence.database import Database
from bookings.worker.heartbeat import Heartbeat
from bookings.worker.metrics import WorkerMetrics
from bookings.worker.reminder_job import JobRuntime, install
from bookings.worker.reminder_queue import JsonJob, reminder_queue

log = structlog.get_logger(__name__)

# RQ waits for a job up to (worker_ttl - 15) s at a time, then refreshes its keys and ours.
WORKER_TTL_S = 30
IDLE_WAKE_S = WORKER_TTL_S - 15
RETRY_INTERVALS: tuple[int, ...] = (1, 2, 5, 10, 30)
FAILED_JOB_TTL_S = 7 * 24 * 3600

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    psycopg.OperationalError,
    redis.ConnectionError,
    redis.TimeoutError,
    JobTimeoutException,
    StaleBooking,
)


class ReminderWorker(SimpleWorker):
    """RQ's in-process worker, beating the role heartbeat and sharing stop requests with it."""

    def __init__(self, *args: Any, stop: threading.Event, heartbeat: Heartbeat, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._stop_event = stop
        self._role_heartbeat = heartbeat

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        self._stop_event.set()
        super().request_stop(signum, frame)

    def check_for_suspension(self, burst: bool) -> None:
        """Ends RQ's loop once the role is stopping, as a suspension in burst mode would."""
        if self._stop_event.is_set():
            raise StopRequested
        super().check_for_suspension(burst)

    def heartbeat(self, timeout: int | None = None, pipeline: Any = None) -> None:
        super().heartbeat(timeout, pipeline)
        self._role_heartbeat.beat()

    def subscribe(self) -> None:
        """Takes no commands over RQ's pub/sub channel: the role is stopped by signals, and jobs
        run in this process, so there is no work horse to kill. (RQ's listening thread would
        also hold up every stop by a second, its join timeout.)"""


class FailureReporter:
    """RQ exception handler: decides retry or not, and makes final failures visible."""

    def __init__(self, metrics: WorkerMetrics) -> None:
        self._metrics = metrics

    def __call__(
        self,
        job: Job,
        exc_type: type[BaseException],
        exc_value: BaseException,
        traceback: TracebackType | None,
    ) -> bool:
        if not isinstance(exc_value, TRANSIENT_ERRORS):
            job.retries_left = 0  # a bug or bad data: retrying would fail the same way
        elif job.retries_left is None:  # its first failure
            job.retries_left = len(RETRY_INTERVALS)
            job.retry_intervals = list(RETRY_INTERVALS)
        final = not job.should_retry
        self._metrics.reminder_job_failures.labels(final=str(final).lower()).inc()
        if final:
            job.failure_ttl = FAILED_JOB_TTL_S
            log.error(
                "reminder job failed for good",
                job_id=job.id,
                job_args=list(job.args),
                error=repr(exc_value),
            )
        else:
            log.warning(
                "reminder job failed; retrying",
                job_id=job.id,
                retries_left=job.retries_left,
                error=repr(exc_value),
            )
        return True  # RQ's own handling (failed registry, retry) follows


def reminder_worker(
    client: redis.Redis, metrics: WorkerMetrics, *, stop: threading.Event, heartbeat: Heartbeat
) -> ReminderWorker:
    """An RQ worker on the reminder queue, reporting failures to `metrics`."""
    return ReminderWorker(
        [reminder_queue(client)],
        connection=client,
        serializer=JSONSerializer,
        job_class=JsonJob,
        worker_ttl=WORKER_TTL_S,
        exception_handlers=[FailureReporter(metrics)],
        stop=stop,
        heartbeat=heartbeat,
    )


def run_jobs(
    client: redis.Redis,
    database: Database,
    metrics: WorkerMetrics,
    *,
    reminder_lead: timedelta,
    stop: threading.Event,
    heartbeat: Heartbeat,
) -> None:
    install(JobRuntime(database=database, reminder_lead=reminder_lead, metrics=metrics))
    worker = reminder_worker(client, metrics, stop=stop, heartbeat=heartbeat)
    heartbeat.beat()
    with signal_handlers_restored():
        # RQ's per-job INFO lines repeat what `reminder sent` says; keep its warnings and errors.
        worker.work(logging_level="WARNING")
    if not stop.is_set():
        raise RuntimeError("the RQ worker stopped on its own (Redis unreachable?)")


@contextlib.contextmanager
def signal_handlers_restored() -> Iterator[None]:
    """Puts back the SIGTERM and SIGINT handlers that RQ's `work()` replaces and leaves behind."""
    kept = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for signum, handler in kept.items():
            signal.signal(signum, handler)
