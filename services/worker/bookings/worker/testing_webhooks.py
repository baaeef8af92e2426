"""Webhooks for the tests: endpoints and deliveries as the API and the relay write them, and the
sender running in a thread of the test process, with short waits and timeouts."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import redis
import sqlalchemy as sa
from prometheus_client import CollectorRegistry

from bookings.events.schemas import CHANNELS
from bookings.persistence.database import Database
from bookings.persistence.tables import webhook_deliveries, webhook_endpoints
from bookings.worker.backoff import run_until_stopped
from bookings.worker.heartbeat import Heartbeat
from bookings.worker.metrics import WorkerMetrics
from bookings.worker.roles import Role
from bookings.worker.webhook_sender import WebhookSender, run_webhook_sender
from bookings.worker.webhook_settings import WebhookSettings

SETTINGS = WebhookSettings(
    retry_schedule=(timedelta(seconds=0.3),) * 3,
    timeout=timedelta(seconds=1),
    lease_margin=timedelta(seconds=5),
    max_concurrency=16,
    max_per_endpoint=2,
    poll_interval=timedelta(seconds=0.1),
    delivery_retention=timedelta(days=30),
)
# `data` as the outbox keeps it: bytes that decoding and encoding again would change.
DATA = b'{"bookingId":"7b0e6f5e-4d0a-4d3c-9a51-1f0d3c2b9e10","price":1.50,"title":"Caf\\u00e9"}'


class RunningSender:
    """The sender's loop in a thread, with metrics of its own, stopped as SIGTERM stops it."""

    def __init__(
        self, settings: WebhookSettings, postgres_url: str, redis_url: str, production: bool
    ) -> None:
        self.registry = CollectorRegistry()
        self.stop = threading.Event()
        self._client = redis.Redis.from_url(redis_url)
        sender = WebhookSender(settings, WorkerMetrics(self.registry), production=production)
        heartbeat = Heartbeat(self._client, Role.WEBHOOKS, stall_after_s=60)
        self._thread = threading.Thread(
            target=run_until_stopped,
            args=(
                "webhooks",
                lambda: run_webhook_sender(
                    sender, postgres_url, stop=self.stop, heartbeat=heartbeat
                ),
                self.stop,
            ),
        )
        self._thread.start()

    def outcomes(self, outcome: str) -> float:
        value = self.registry.get_sample_value(
            "bookings_webhook_deliveries_total", {"outcome": outcome}
        )
        return value or 0.0

    def close(self) -> None:
        self.stop.set()
        self._thread.join(timeout=30)
        self._client.close()
        assert not self._thread.is_alive(), "the sender did not stop"


StartSender = Callable[..., RunningSender]


class Webhooks:
    """Endpoints and deliveries, written as the API and the relay write them."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def endpoint(
        self,
        url: str,
        secret: str,
        *,
        previous_secret: str | None = None,
        previous_expires_in: float | None = None,
        provider_id: str | None = None,
    ) -> UUID:
        endpoint_id = uuid4()
        expires = None
        if previous_expires_in is not None:
            expires = datetime.now(UTC) + timedelta(seconds=previous_expires_in)
        with self.database.engine.begin() as connection:
            connection.execute(
                sa.insert(webhook_endpoints).values(
                    id=endpoint_id,
                    owner="admin",
                    provider_id=provider_id,
                    url=url,
                    events=list(CHANNELS),
                    enabled=True,
                    secret=secret,
                    previous_secret=previous_secret,
                    previous_secret_expires_at=expires,
                    created_at=sa.func.now(),
                    updated_at=sa.func.now(),
                )
            )
        return endpoint_id

    def delivery(self, endpoint_id: UUID, *, due_in: float = 0.0, data: bytes = DATA) -> UUID:
        delivery_id = uuid4()
        now = datetime.now(UTC)
        with self.database.engine.begin() as connection:
            connection.execute(
                sa.insert(webhook_deliveries).values(
                    id=delivery_id,
                    endpoint_id=endpoint_id,
                    event_id=uuid4(),
                    event_type="booking.created",
                    data=data,
                    occurred_at=now - timedelta(seconds=1),
                    status="pending",
                    attempts=0,
                    next_attempt_at=sa.func.now() + timedelta(seconds=due_in),
                    created_at=now,
                    updated_at=now,
                )
            )
        return delivery_id

    def row(self, delivery_id: UUID) -> Any:
        with self.database.engine.connect() as connection:
            statement = sa.select(webhook_deliveries).where(webhook_deliveries.c.id == delivery_id)
            return connection.execute(statement).one()

    def enabled(self, endpoint_id: UUID) -> bool:
        with self.database.engine.connect() as connection:
            statement = sa.select(webhook_endpoints.c.enabled).where(
                webhook_endpoints.c.id == endpoint_id
            )
            return bool(connection.execute(statement).scalar_one())

    def retry(self, delivery_id: UUID) -> None:
        """What `POST .../deliveries/{id}/retry` does: pending and due now."""
        with self.database.engine.begin() as connection:
            connection.execute(
                sa.update(webhook_deliveries)
                .where(webhook_deliveries.c.id == delivery_id)
                .values(
                    status="pending",
                    next_attempt_at=sa.func.now(),
                    delivered_at=None,
                    updated_at=sa.func.now(),
                )
            )
