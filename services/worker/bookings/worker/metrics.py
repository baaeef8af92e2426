"""Prometheus metrics of the worker: reminder lateness, reminder jobs, outbox lag, webhooks.

Built per process into a registry passed in (nothing at import time). Under the supervisor each
role process writes prometheus_client's multiprocess files and the supervisor serves their sum.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENESS_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
DELAY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 30.0)
ATTEMPT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class WorkerMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.reminder_lateness = Histogram(
            "bookings_reminder_lateness_seconds",
            "Time from a reminder's due time to its sending.",
            buckets=LATENESS_BUCKETS,
            registry=registry,
        )
        self.reminder_jobs = Counter(
            "bookings_reminder_jobs_processed",
            "Reminder jobs that ran to the end, by outcome (sent, or skipped as not owed).",
            ["outcome"],
            registry=registry,
        )
        self.reminder_job_failures = Counter(
            "bookings_reminder_jobs_failed",
            "Reminder job attempts that raised; final=true when no retry is left.",
            ["final"],
            registry=registry,
        )
        self.outbox_published = Counter(
            "bookings_outbox_published",
            "Outbox events published to Redis.",
            registry=registry,
        )
        self.outbox_publish_delay = Histogram(
            "bookings_outbox_publish_delay_seconds",
            "Time from an event's commit to its publication.",
            buckets=DELAY_BUCKETS,
            registry=registry,
        )
        self.outbox_unpublished = Gauge(
            "bookings_outbox_unpublished_events",
            "Outbox events waiting to be published.",
            multiprocess_mode="livemax",
            registry=registry,
        )
        self.outbox_lag = Gauge(
            "bookings_outbox_lag_seconds",
            "Age of the oldest outbox event waiting to be published (0 when none waits).",
            multiprocess_mode="livemax",
            registry=registry,
        )
        self.reminders_rescheduled = Counter(
            "bookings_reconciler_reminders_rescheduled",
            "Owed reminders that Redis did not hold and the reconciler scheduled again.",
            registry=registry,
        )
        self.idempotency_keys_deleted = Counter(
            "bookings_idempotency_keys_deleted",
            "Expired idempotency keys deleted.",
            registry=registry,
        )
        self.outbox_rows_deleted = Counter(
            "bookings_outbox_rows_deleted",
            "Published outbox rows deleted after their retention.",
            registry=registry,
        )
        self.webhook_deliveries = Counter(
            "bookings_webhook_deliveries",
            "Webhook delivery attempts by outcome: delivered, retrying (another attempt is"
            " planned) or failed (none is left, or the endpoint answered 410 Gone).",
            ["outcome"],
            registry=registry,
        )
        self.webhook_attempt_duration = Histogram(
            "bookings_webhook_attempt_duration_seconds",
            "Time a webhook attempt took, from connecting to the end of the answer read.",
            buckets=ATTEMPT_BUCKETS,
            registry=registry,
        )
        self.webhook_pending = Gauge(
            "bookings_webhook_pending_deliveries",
            "Pending webhook deliveries of enabled endpoints (due, planned or under way).",
            multiprocess_mode="livemax",
            registry=registry,
        )
        self.webhook_oldest_pending = Gauge(
            "bookings_webhook_oldest_pending_seconds",
            "Age of the oldest pending webhook delivery of an enabled endpoint (0 when none).",
            multiprocess_mode="livemax",
            registry=registry,
        )
        self.webhook_deliveries_deleted = Counter(
            "bookings_webhook_deliveries_deleted",
            "Delivered or failed webhook deliveries deleted after their retention.",
            registry=registry,
        )
