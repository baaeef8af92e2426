"""The worker's settings: the shared ones plus its own, read from env vars once at start."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bookings.runtime.env import Env
from bookings.runtime.settings import CommonSettings
from bookings.worker.webhook_settings import WebhookSettings

DEFAULT_METRICS_PORT = 9102


@dataclass(frozen=True)
class WorkerSettings:
    common: CommonSettings
    metrics_host: str
    metrics_port: int  # 0: no metrics endpoint
    # Relay: a NOTIFY wakes it at once; the poll is the fallback when a notification is missed.
    outbox_poll_interval: timedelta
    outbox_batch_size: int
    # Published outbox rows are kept this long (to inspect or replay), then deleted.
    outbox_retention: timedelta
    stream_max_length: int
    stream_max_age: timedelta
    # Scheduler: how often due reminders are moved to the queue (their lateness is about this).
    scheduler_interval: timedelta
    # Reminder jobs: a job running longer is stopped (and retried); a started job whose worker
    # has been silent longer than this plus the margin counts as abandoned and is scheduled
    # again. The margin covers the end of a stopped job and clocks that differ between hosts;
    # a smaller one retries a dead worker's job sooner, at the risk of running a live job twice
    # (which sends nothing twice: a job sends only what is still owed).
    reminder_job_timeout: timedelta
    reminder_job_abandoned_margin: timedelta
    # Reconciler: how often it runs, and how far ahead it looks for reminders Redis lost.
    reconcile_interval: timedelta
    reconcile_horizon: timedelta
    # The webhooks role, and the reconciler's sweep of finished deliveries.
    webhooks: WebhookSettings

    @classmethod
    def from_env(cls, env: Env | None = None) -> WorkerSettings:
        env = Env() if env is None else env
        reconcile_interval = env.seconds("RECONCILE_INTERVAL_SECONDS", 15, minimum=0.1)
        return cls(
            common=CommonSettings.from_env(env),
            metrics_host=env.get("METRICS_HOST", "127.0.0.1"),
            metrics_port=env.integer("METRICS_PORT", DEFAULT_METRICS_PORT, maximum=65535),
            outbox_poll_interval=env.seconds("OUTBOX_POLL_INTERVAL_SECONDS", 1.0, minimum=0.01),
            outbox_batch_size=env.integer("OUTBOX_BATCH_SIZE", 500, minimum=1, maximum=10_000),
            outbox_retention=env.seconds("OUTBOX_RETENTION_SECONDS", 7 * 24 * 3600, minimum=1),
            stream_max_length=env.integer("EVENT_STREAM_MAX_LENGTH", 100_000, minimum=1),
            stream_max_age=env.seconds("EVENT_STREAM_MAX_AGE_SECONDS", 24 * 3600, minimum=1),
            scheduler_interval=env.seconds("SCHEDULER_INTERVAL_SECONDS", 0.05, minimum=0.005),
            reminder_job_timeout=env.seconds("REMINDER_JOB_TIMEOUT_SECONDS", 30, minimum=1),
            reminder_job_abandoned_margin=env.seconds(
                "REMINDER_JOB_ABANDONED_MARGIN_SECONDS", 5, minimum=0
            ),
            reconcile_interval=reconcile_interval,
            reconcile_horizon=env.seconds(
                "RECONCILE_HORIZON_SECONDS",
                max(60.0, 3 * reconcile_interval.total_seconds()),
                minimum=0,
            ),
            webhooks=WebhookSettings.from_env(env),
        )
