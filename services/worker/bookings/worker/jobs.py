"""The jobs role: an RQ worker on the `booking-reminders` queue running `send_reminder`.

It runs jobs in its own process (no fork per job: a reminder is a few milliseconds of database
work, a fork would cost more), with RQ's warm shutdown on SIGTERM. Transient failures (database
or Redis unreachable, a timeout) are retried with the job's backoff; anything else fails at
once. A failure with no retry left lands in RQ's failed job registry, is logged as an error and
counted in `bookings_reminder_jobs_failed{final="true"}`.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from types import FrameType, TracebackType
from typing import Any

import psycopg
import redis
import sqlalchemy.exc
import structlog
from rq import SimpleWorker
from rq.job import Job
from rq.serializers import JSONSerializer
from rq.timeouts import JobTimeoutException

from bookings.domain.errors import StaleBooking
from bookings.events.reminders import JsonJob, reminder_queue
from bookings.persistence.database import Database
from bookings.worker.heartbeat import Heartbeat
from bookings.worker.metrics import WorkerMetrics
from bookings.worker.reminder_job import JobRuntime, install

log = structlog.get_logger(__name__)

# RQ waits for a job up to (worker_ttl - 15) s at a time, then refreshes its keys and ours.
WORKER_TTL_S = 30
IDLE_WAKE_S = WORKER_TTL_S - 15

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
    """RQ's in-process worker, beating the role heartbeat and reporting a stop request."""

    def __init__(self, *args: Any, stop: threading.Event, heartbeat: Heartbeat, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._stop_event = stop
        self._role_heartbeat = heartbeat

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        self._stop_event.set()
        super().request_stop(signum, frame)

    def _install_signal_handlers(self) -> None:
        super()._install_signal_handlers()
        # A SIGTERM that came before RQ took the signal over set only our event: keep it.
        if self._stop_event.is_set():
            self._stop_requested = True

    def heartbeat(self, timeout: int | None = None, pipeline: Any = None) -> None:
        super().heartbeat(timeout, pipeline)
        self._role_heartbeat.beat()


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
        final = not job.should_retry
        self._metrics.reminder_job_failures.labels(final=str(final).lower()).inc()
        if final:
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
    # RQ's per-job INFO lines repeat what `reminder sent` says; keep its warnings and errors.
    worker.work(logging_level="WARNING")
    if not stop.is_set():
        raise RuntimeError("the RQ worker stopped on its own (Redis unreachable?)")
