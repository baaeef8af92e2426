"""Running one role in this process: its clients, heartbeat, metrics endpoint and signals.

SIGTERM or SIGINT sets the stop event; every role loop returns soon after (the jobs role after
its current job, RQ's warm shutdown; the webhooks role after its attempts under way). Outages
make the loop raise; it runs again after a pause.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType

import redis
import structlog
from prometheus_client import CollectorRegistry

from bookings.events.publisher import EventPublisher
from bookings.persistence.database import Database
from bookings.runtime.logs import configure_logging
from bookings.worker.backoff import run_until_stopped
from bookings.worker.heartbeat import Heartbeat
from bookings.worker.jobs import IDLE_WAKE_S, run_jobs
from bookings.worker.metrics import WorkerMetrics
from bookings.worker.metrics_server import MetricsServer, listen_for_metrics
from bookings.worker.reconciler import Reconciler, ReconcilerPolicy, run_reconciler
from bookings.worker.relay import Relay, run_relay
from bookings.worker.reminder_job import JOB_FUNCTION
from bookings.worker.reminder_schedule import ReminderJobOptions, ReminderSchedule
from bookings.worker.roles import Role
from bookings.worker.scheduler import run_scheduler
from bookings.worker.settings import WorkerSettings
from bookings.worker.webhook_sender import WebhookSender, run_webhook_sender

log = structlog.get_logger(__name__)

STALL_MARGIN_S = 30.0


def redis_client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=10)


def reminder_schedule(client: redis.Redis, settings: WorkerSettings) -> ReminderSchedule:
    timeout_s = max(1, round(settings.reminder_job_timeout.total_seconds()))
    return ReminderSchedule(client, ReminderJobOptions(JOB_FUNCTION, timeout_seconds=timeout_s))


def run_role(role: Role, settings: WorkerSettings, *, serve_metrics: bool) -> int:
    common = settings.common
    configure_logging(common.log_level, common.log_format, service="worker")
    structlog.contextvars.bind_contextvars(role=role.value)
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        log.info("stopping", signal=signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)

    registry = CollectorRegistry()
    metrics = WorkerMetrics(registry)
    listener = listen_for_metrics(settings) if serve_metrics else None
    if listener is not None:
        MetricsServer(listener, registry).serve_in_background()
    client = redis_client(common.redis_url)
    database = Database(common.database_url, pool_size=2)
    heartbeat = Heartbeat(client, role, stall_after_s=_stall_after(role, settings))
    beating = heartbeat.start(stop)
    log.info("role started")
    try:
        loop = _role_loop(role, settings, client, database, metrics, stop, heartbeat)
        run_until_stopped(role.value, loop, stop)
    finally:
        stop.set()
        beating.join(timeout=5)  # it removes the heartbeat key: the role is gone at once
        database.close()
        client.close()
        log.info("role stopped")
    return 0


def _role_loop(
    role: Role,
    settings: WorkerSettings,
    client: redis.Redis,
    database: Database,
    metrics: WorkerMetrics,
    stop: threading.Event,
    heartbeat: Heartbeat,
) -> Callable[[], None]:
    common = settings.common
    if role is Role.RELAY:
        publisher = EventPublisher(client, stream_max_length=settings.stream_max_length)
        relay = Relay(
            database,
            publisher,
            reminder_schedule(client, settings),
            metrics,
            batch_size=settings.outbox_batch_size,
        )
        poll_s = settings.outbox_poll_interval.total_seconds()
        return lambda: run_relay(
            relay, common.database_url, poll_interval_s=poll_s, stop=stop, heartbeat=heartbeat
        )
    if role is Role.SCHEDULER:
        interval_s = settings.scheduler_interval.total_seconds()
        return lambda: run_scheduler(client, interval_s=interval_s, stop=stop, heartbeat=heartbeat)
    if role is Role.JOBS:
        # RQ blocks on the queue for up to IDLE_WAKE_S at a time: reads must outlast that.
        jobs_client = redis.Redis.from_url(
            common.redis_url, socket_connect_timeout=2, socket_timeout=IDLE_WAKE_S + 10
        )
        return lambda: run_jobs(
            jobs_client,
            database,
            metrics,
            reminder_lead=common.reminder_lead,
            stop=stop,
            heartbeat=heartbeat,
        )
    if role is Role.WEBHOOKS:
        sender = WebhookSender(settings.webhooks, metrics, production=common.is_production)
        return lambda: run_webhook_sender(
            sender, common.database_url, stop=stop, heartbeat=heartbeat
        )
    policy = ReconcilerPolicy.of(settings)
    reconciler = Reconciler(database, client, reminder_schedule(client, settings), metrics, policy)
    interval_s = settings.reconcile_interval.total_seconds()
    return lambda: run_reconciler(reconciler, interval_s=interval_s, stop=stop, heartbeat=heartbeat)


def _stall_after(role: Role, settings: WorkerSettings) -> float:
    """How long a role may go without a beat before its heartbeat key is left to expire."""
    if role is Role.RELAY:
        return 3 * settings.outbox_poll_interval.total_seconds() + STALL_MARGIN_S
    if role is Role.SCHEDULER:
        return 3 * settings.scheduler_interval.total_seconds() + STALL_MARGIN_S
    if role is Role.JOBS:
        return IDLE_WAKE_S + settings.reminder_job_timeout.total_seconds() + STALL_MARGIN_S
    if role is Role.WEBHOOKS:
        webhooks = settings.webhooks
        return (
            3 * webhooks.poll_interval.total_seconds()
            + webhooks.timeout.total_seconds()
            + STALL_MARGIN_S
        )
    return 2 * settings.reconcile_interval.total_seconds() + STALL_MARGIN_S
