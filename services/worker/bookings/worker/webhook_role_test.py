"""The webhooks role as it runs: worker processes (`worker relay webhooks`, `worker webhooks`)
against real servers and a real receiver: who receives what through the relay, a worker killed
mid-attempt, PostgreSQL cutting its sessions, bad settings; and the reconciler's sweep."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import httpx
import psycopg
import redis
import sqlalchemy as sa
from prometheus_client import CollectorRegistry

from bookings.domain.commands import CreateBooking
from bookings.domain.handlers import create_booking
from bookings.domain.model import Booking
from bookings.persistence.tables import webhook_deliveries
from bookings.servers.processes import free_port
from bookings.webhooks.signing import new_secret
from bookings.worker.metrics import WorkerMetrics
from bookings.worker.reconciler import Reconciler, ReconcilerPolicy
from bookings.worker.role_process import reminder_schedule
from bookings.worker.settings import WorkerSettings
from bookings.worker.testing_bookings import Bookings
from bookings.worker.testing_processes import StartWorker, worker_env
from bookings.worker.testing_webhook_receiver import Receiver, Reply, always
from bookings.worker.testing_webhooks import Webhooks

WEBHOOK_ENV = {
    "WEBHOOK_RETRY_SCHEDULE": "0.3,0.3,0.3",
    "WEBHOOK_TIMEOUT_SECONDS": "1",
    "WEBHOOK_POLL_INTERVAL_SECONDS": "0.1",
}


def book(bookings: Bookings, provider_id: str, hours_ahead: int) -> Booking:
    start = datetime.now(UTC) + timedelta(hours=hours_ahead)
    command = CreateBooking(
        bookings.actor, "Checkup", start, start + timedelta(minutes=30), provider_id=provider_id
    )
    return bookings.database.run(lambda uow: create_booking(command, uow, bookings.context()))


def test_each_endpoint_receives_the_events_of_its_provider_through_the_relay(
    start_worker: StartWorker, bookings: Bookings, webhooks: Webhooks, receiver: Receiver
) -> None:
    provider_a, provider_b = f"provider-a-{uuid4()}", f"provider-b-{uuid4()}"
    secrets = {path: new_secret() for path in ("/a", "/b", "/admin", "/a-cancelled")}
    urls = {path: receiver.endpoint(path, {"s": s}) for path, s in secrets.items()}
    webhooks.endpoint(urls["/a"], secrets["/a"], provider_id=provider_a)
    webhooks.endpoint(urls["/b"], secrets["/b"], provider_id=provider_b)
    webhooks.endpoint(urls["/admin"], secrets["/admin"])  # no provider: every provider's
    cancelled_only = webhooks.endpoint(
        urls["/a-cancelled"], secrets["/a-cancelled"], provider_id=provider_a
    )
    with webhooks.database.engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE webhook_endpoints SET events = '{booking.cancelled}' WHERE id = :id"),
            {"id": cancelled_only},
        )
    port = free_port()
    start_worker("relay", "webhooks", METRICS_PORT=str(port), **WEBHOOK_ENV)

    a1, a2 = book(bookings, provider_a, 24), book(bookings, provider_a, 48)
    b1 = book(bookings, provider_b, 24)
    bookings.cancel(a1)
    receiver.wait_for(
        lambda: len(receiver.requests("/admin")) == 4 and receiver.requests("/a-cancelled"),
        timeout=20,
        what="the deliveries",
    )
    time.sleep(0.5)  # would anything else arrive?

    def booking_ids(path: str) -> list[tuple[str, str]]:
        bodies = [json.loads(r.body) for r in receiver.requests(path)]
        return sorted((body["type"], body["data"]["bookingId"]) for body in bodies)

    assert booking_ids("/a") == sorted(
        [
            ("booking.cancelled", str(a1.id)),
            ("booking.created", str(a1.id)),
            ("booking.created", str(a2.id)),
        ]
    )
    assert booking_ids("/b") == [("booking.created", str(b1.id))]
    assert booking_ids("/admin") == sorted(booking_ids("/a") + booking_ids("/b"))
    assert booking_ids("/a-cancelled") == [("booking.cancelled", str(a1.id))]
    assert all(r.verified_by == ("s",) for r in receiver.received)

    def scrape() -> str:  # the supervisor's sum of its roles' metrics
        return httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text

    receiver.wait_for(
        lambda: 'bookings_webhook_deliveries_total{outcome="delivered"} 9.0' in scrape(),
        timeout=10,
        what="the delivered counter",
    )
    metrics = scrape()
    assert "bookings_webhook_attempt_duration_seconds_count 9.0" in metrics
    assert "bookings_webhook_pending_deliveries" in metrics
    assert "bookings_webhook_oldest_pending_seconds" in metrics


def test_deliveries_under_way_when_the_worker_is_killed_are_delivered_after_a_restart(
    start_worker: StartWorker, webhooks: Webhooks, receiver: Receiver
) -> None:
    secrets = [new_secret() for _ in range(3)]
    slowly = always(Reply(200, delay_s=0.3))
    endpoints = [
        webhooks.endpoint(receiver.endpoint(f"/e{i}", {"s": s}, slowly), s)
        for i, s in enumerate(secrets)
    ]
    # A short lease margin: the killed worker's attempts come due again soon after the kill (a
    # delivery sent twice because its lease ended early still meets "at least once").
    env = {**WEBHOOK_ENV, "WEBHOOK_LEASE_MARGIN_SECONDS": "0.5"}
    worker = start_worker("webhooks", **env)
    deliveries = [webhooks.delivery(endpoints[i % 3]) for i in range(60)]
    receiver.wait_for(lambda: len(receiver.received) >= 12, timeout=20, what="some attempts")

    worker.kill()  # SIGKILL mid-attempts: no clean-up of any kind
    killed_at = datetime.now(UTC)  # nothing writes the rows again until the restart
    rows = [webhooks.row(d) for d in deliveries]
    leased = [r for r in rows if r.status == "pending" and r.next_attempt_at > killed_at]
    waiting = [r for r in rows if r.status == "pending" and r.next_attempt_at <= killed_at]
    restarted = start_worker("webhooks", **env)

    # Attempts the killed worker had under way come due again when their lease ends.
    receiver.wait_for(
        lambda: all(webhooks.row(d).status == "delivered" for d in deliveries),
        timeout=40,
        what="every delivery",
    )
    received = {r.headers["webhook-id"] for r in receiver.received}
    assert len(received) == 60  # each at least once
    assert leased  # attempts were under way when it was killed
    assert waiting  # and deliveries it had not claimed yet
    assert restarted.stop() == 0  # SIGTERM: a clean stop
    assert "role stopped" in restarted.log()


def test_the_role_rides_out_postgres_cutting_its_sessions(
    start_worker: StartWorker, webhooks: Webhooks, receiver: Receiver, postgres_url: str
) -> None:
    secret = new_secret()
    endpoint = webhooks.endpoint(receiver.endpoint("/after", {"s": secret}), secret)
    start_worker("webhooks", **WEBHOOK_ENV)

    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    webhooks.database.engine.dispose()  # the test's own sessions were cut too
    delivery = webhooks.delivery(endpoint)

    receiver.wait_for(
        lambda: webhooks.row(delivery).status == "delivered", timeout=20, what="the delivery"
    )


def test_a_bad_webhook_setting_stops_the_worker_with_one_line_naming_it(
    postgres_url: str, redis_url: str
) -> None:
    env = worker_env(postgres_url, redis_url, WEBHOOK_RETRY_SCHEDULE="5,soon,60")
    result = subprocess.run(
        [sys.executable, "-m", "bookings.worker", "webhooks"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "WEBHOOK_RETRY_SCHEDULE" in result.stderr
    assert "'5,soon,60'" in result.stderr


def test_the_reconciler_deletes_finished_deliveries_past_their_retention(
    webhooks: Webhooks, redis_url: str
) -> None:
    endpoint = webhooks.endpoint("http://127.0.0.1:9/", new_secret())
    old, recent, waiting = (webhooks.delivery(endpoint, due_in=3600) for _ in range(3))
    with webhooks.database.engine.begin() as connection:
        for delivery_id, age in ((old, timedelta(days=31)), (recent, timedelta(days=29))):
            connection.execute(
                sa.update(webhook_deliveries)
                .where(webhook_deliveries.c.id == delivery_id)
                .values(
                    status="delivered",
                    next_attempt_at=None,
                    delivered_at=datetime.now(UTC) - age,
                    updated_at=datetime.now(UTC) - age,
                )
            )
    settings = WorkerSettings.from_env()
    client = redis.Redis.from_url(redis_url)
    registry = CollectorRegistry()
    policy = ReconcilerPolicy.of(settings)
    reconciler = Reconciler(
        webhooks.database,
        client,
        reminder_schedule(client, settings),
        WorkerMetrics(registry),
        policy,
    )

    reconciler.sweep(datetime.now(UTC))

    with webhooks.database.engine.connect() as connection:
        left = set(connection.execute(sa.select(webhook_deliveries.c.id)).scalars())
    client.close()
    assert left == {recent, waiting}
    assert registry.get_sample_value("bookings_webhook_deliveries_deleted_total") == 1
