"""The webhook sender against real PostgreSQL and a real receiver (see webhook_receiver_test):
signing, outcomes, retries, 410, Retry-After, rotation, isolation of slow endpoints, targets.

The sender runs in a thread of the test process, as its role runs it (`run_until_stopped`), with
short waits and timeouts so that every test takes seconds."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
import redis
import sqlalchemy as sa
from prometheus_client import CollectorRegistry

from bookings.events.schemas import CHANNELS
from bookings.persistence.database import Database
from bookings.persistence.tables import webhook_deliveries, webhook_endpoints
from bookings.webhooks.signing import new_secret
from bookings.worker.backoff import run_until_stopped
from bookings.worker.heartbeat import Heartbeat
from bookings.worker.metrics import WorkerMetrics
from bookings.worker.roles import Role
from bookings.worker.webhook_outcomes import GONE_REASON
from bookings.worker.webhook_receiver_test import Receiver, Reply, always, first, receiver
from bookings.worker.webhook_sender import WebhookSender, run_webhook_sender
from bookings.worker.webhook_settings import WebhookSettings

__all__ = ["receiver"]  # the fixture, shared with the tests that import it from here

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


@pytest.fixture
def start_sender(postgres_url: str, redis_url: str) -> Iterator[StartSender]:
    started: list[RunningSender] = []

    def start(settings: WebhookSettings = SETTINGS, *, production: bool = False) -> RunningSender:
        sender = RunningSender(settings, postgres_url, redis_url, production)
        started.append(sender)
        return sender

    yield start
    for sender in started:
        sender.close()


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


@pytest.fixture
def webhooks(postgres_url: str) -> Iterator[Webhooks]:
    database = Database(postgres_url)
    with database.engine.begin() as connection:  # what earlier tests left (deliveries go too)
        connection.execute(sa.delete(webhook_endpoints))
    yield Webhooks(database)
    database.close()


def test_a_delivery_is_posted_signed_with_its_data_as_committed_and_marked_delivered(
    start_sender: StartSender, webhooks: Webhooks, receiver: Receiver
) -> None:
    secret = new_secret()
    endpoint = webhooks.endpoint(receiver.endpoint("/ok", {"current": secret}), secret)
    sender = start_sender()
    delivery = webhooks.delivery(endpoint)

    receiver.wait_for(
        lambda: webhooks.row(delivery).status == "delivered", timeout=10, what="the delivery"
    )

    [request] = receiver.requests("/ok")
    row = webhooks.row(delivery)
    assert request.verified_by == ("current",)
    assert request.headers["webhook-id"] == str(row.event_id)
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"].startswith("bookings-webhooks/")
    assert abs(int(request.headers["webhook-timestamp"]) - datetime.now(UTC).timestamp()) < 10
    assert request.body == (
        b'{"type":"booking.created","timestamp":"'
        + row.occurred_at.isoformat().replace("+00:00", "Z").encode()
        + b'","data":'
        + DATA
        + b"}"
    )
    assert json.loads(request.body)["data"]["title"] == "Café"
    assert (row.attempts, row.last_status_code, row.last_error) == (1, 200, None)
    assert row.next_attempt_at is None
    assert row.delivered_at is not None
    receiver.wait_for(lambda: sender.outcomes("delivered") == 1, timeout=5, what="the metric")
    assert sender.registry.get_sample_value("bookings_webhook_attempt_duration_seconds_count")


def test_failed_attempts_are_retried_with_the_same_id_and_a_new_timestamp(
    start_sender: StartSender, webhooks: Webhooks, receiver: Receiver
) -> None:
    secret = new_secret()
    flaky = first(2, Reply(500, body=b"database on fire"), then=Reply(204))
    endpoint = webhooks.endpoint(receiver.endpoint("/flaky", {"s": secret}, flaky), secret)
    # Over a second between attempts: their Unix-second timestamps differ.
    start_sender(replace(SETTINGS, retry_schedule=(timedelta(seconds=1.2),) * 3))
    delivery = webhooks.delivery(endpoint)

    receiver.wait_for(lambda: webhooks.row(delivery).attempts == 1, timeout=10, what="attempt 1")
    waiting = webhooks.row(delivery)
    receiver.wait_for(
        lambda: webhooks.row(delivery).status == "delivered", timeout=15, what="the delivery"
    )

    requests = receiver.requests("/flaky")
    assert (waiting.status, waiting.last_status_code) == ("pending", 500)
    assert waiting.last_error == "database on fire"
    assert waiting.next_attempt_at - waiting.updated_at >= timedelta(seconds=1.2 * 0.9)
    assert len(requests) == 3
    assert len({r.headers["webhook-id"] for r in requests}) == 1
    stamps = [int(r.headers["webhook-timestamp"]) for r in requests]
    assert stamps == sorted(set(stamps))  # a new one on every attempt
    assert all(r.verified_by == ("s",) for r in requests)
    assert len({r.body for r in requests}) == 1
    row = webhooks.row(delivery)
    assert (row.attempts, row.last_status_code, row.last_error) == (3, 204, None)


def test_a_used_up_schedule_fails_the_delivery_and_a_retry_by_hand_gets_one_more_attempt(
    start_sender: StartSender, webhooks: Webhooks, receiver: Receiver
) -> None:
    secret = new_secret()
    answer = always(Reply(500))
    endpoint = webhooks.endpoint(receiver.endpoint("/down", {"s": secret}, answer), secret)
    sender = start_sender(replace(SETTINGS, retry_schedule=(timedelta(seconds=0.2),) * 2))
    delivery = webhooks.delivery(endpoint)

    receiver.wait_for(
        lambda: webhooks.row(delivery).status == "failed", timeout=10, what="the failure"
    )
    assert webhooks.row(delivery).attempts == 3  # one, then one per wait of the schedule
    webhooks.retry(delivery)
    receiver.wait_for(lambda: webhooks.row(delivery).attempts == 4, timeout=10, what="attempt 4")
    receiver.wait_for(lambda: sender.outcomes("failed") == 2, timeout=5, what="the metric")

    row = webhooks.row(delivery)
    assert (row.status, row.next_attempt_at, row.last_status_code) == ("failed", None, 500)
    assert len(receiver.requests("/down")) == 4
    assert sender.outcomes("retrying") == 2


def test_410_gone_disables_the_endpoint_and_fails_its_pending_deliveries(
    start_sender: StartSender, webhooks: Webhooks, receiver: Receiver
) -> None:
    secret = new_secret()
    url = receiver.endpoint("/gone", {"s": secret}, always(Reply(410, body=b"no such hook")))
    endpoint = webhooks.endpoint(url, secret)
    attempted = webhooks.delivery(endpoint)
    later = [webhooks.delivery(endpoint, due_in=3600) for _ in range(2)]
    start_sender()

    receiver.wait_for(lambda: not webhooks.enabled(endpoint), timeout=10, what="the disabling")

    row = webhooks.row(attempted)
    assert (row.status, row.attempts, row.last_status_code, row.last_error) == (
        "failed",
        1,
        410,
        "no such hook",
    )
    for delivery in later:
        row = webhooks.row(delivery)
        assert (row.status, row.attempts, row.last_error) == ("failed", 0, GONE_REASON)
    assert len(receiver.requests("/gone")) == 1


def test_retry_after_on_429_is_waited_out_even_beyond_the_schedule(
    start_sender: StartSender, webhooks: Webhooks, receiver: Receiver
) -> None:
    secret = new_secret()
    retry_after_s = 1  # the shortest in whole seconds, over three times the schedule's wait
    busy = first(1, Reply(429, headers={"Retry-After": str(retry_after_s)}), then=Reply(200))
    endpoint = webhooks.endpoint(receiver.endpoint("/busy", {"s": secret}, busy), secret)
    start_sender()  # the schedule alone would retry after 0.3 s
    delivery = webhooks.delivery(endpoint)

    receiver.wait_for(
        lambda: webhooks.row(delivery).status == "delivered", timeout=15, what="the delivery"
    )

    first_request, second_request = receiver.requests("/busy")
    assert second_request.at - first_request.at >= retry_after_s


def test_the_previous_secret_signs_too_until_it_expires(
    start_sender: StartSender, webhooks: Webhooks, receiver: Receiver
) -> None:
    old, new, older, newer = (new_secret() for _ in range(4))
    rotating = webhooks.endpoint(
        receiver.endpoint("/rotating", {"old": old, "new": new}),
        new,
        previous_secret=old,
        previous_expires_in=3600,
    )
    rotated = webhooks.endpoint(
        receiver.endpoint("/rotated", {"old": older, "new": newer}),
        newer,
        previous_secret=older,
        previous_expires_in=-1,
    )
    start_sender()
    webhooks.delivery(rotating)
    webhooks.delivery(rotated)

    receiver.wait_for(
        lambda: receiver.requests("/rotating") and receiver.requests("/rotated"),
        timeout=10,
        what="both deliveries",
    )

    [during] = receiver.requests("/rotating")
    [after] = receiver.requests("/rotated")
    assert during.verified_by == ("old", "new")
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert after.verified_by == ("new",)


def test_an_endpoint_that_never_answers_does_not_delay_the_others(
    start_sender: StartSender, webhooks: Webhooks, receiver: Receiver
) -> None:
    slow_secret, fast_secret = new_secret(), new_secret()
    hanging = always(Reply(200, delay_s=60))
    slow = webhooks.endpoint(receiver.endpoint("/slow", {"s": slow_secret}, hanging), slow_secret)
    fast = webhooks.endpoint(receiver.endpoint("/fast", {"s": fast_secret}), fast_secret)
    # Every place the sender has could go to the slow endpoint, were it not for its limit.
    settings = replace(SETTINGS, timeout=timedelta(seconds=5), max_concurrency=4)
    start_sender(settings)
    stuck = [webhooks.delivery(slow) for _ in range(20)]  # due first
    receiver.wait_for(
        lambda: len(receiver.requests("/slow")) == 2, timeout=10, what="the slow attempts"
    )
    sent = [webhooks.delivery(fast) for _ in range(20)]

    receiver.wait_for(
        lambda: all(webhooks.row(d).status == "delivered" for d in sent),
        timeout=3,  # the slow attempts hold their places for 5 s
        what="the other endpoint's deliveries",
    )

    assert receiver.most_running("/slow") == 2
    assert len(receiver.requests("/slow")) == 2
    assert {webhooks.row(d).attempts for d in stuck} == {0}


def test_no_answer_in_time_no_connection_or_a_redirect_are_failed_attempts(
    start_sender: StartSender, webhooks: Webhooks, receiver: Receiver
) -> None:
    secret = new_secret()
    late = webhooks.endpoint(
        receiver.endpoint("/late", {"s": secret}, always(Reply(200, delay_s=5))), secret
    )
    refused = webhooks.endpoint("http://127.0.0.1:9/closed", secret)
    moved = webhooks.endpoint(
        receiver.endpoint("/moved", {"s": secret}, always(Reply(302, {"location": "/ok"}))),
        secret,
    )
    huge = webhooks.endpoint(
        receiver.endpoint(
            "/huge", {"s": secret}, always(Reply(500, body=b"\xff" + b"x" * 200_000))
        ),
        secret,
    )
    start_sender(
        replace(SETTINGS, timeout=timedelta(seconds=0.5), retry_schedule=(timedelta(hours=1),))
    )
    deliveries = {
        name: webhooks.delivery(e)
        for name, e in (("late", late), ("refused", refused), ("moved", moved), ("huge", huge))
    }

    receiver.wait_for(
        lambda: all(webhooks.row(d).attempts == 1 for d in deliveries.values()),
        timeout=10,
        what="one attempt each",
    )

    rows = {name: webhooks.row(d) for name, d in deliveries.items()}
    assert {row.status for row in rows.values()} == {"pending"}  # retried in an hour
    assert (rows["late"].last_status_code, rows["late"].last_error) == (
        None,
        "timed out after 0.5 s",
    )
    assert rows["refused"].last_status_code is None
    assert rows["refused"].last_error.startswith("connection failed: ")
    assert rows["moved"].last_status_code == 302
    assert receiver.requests("/ok") == []
    assert rows["huge"].last_error == "\ufffd" + "x" * 1023


def test_production_sends_only_over_https_to_public_addresses(
    start_sender: StartSender, webhooks: Webhooks, receiver: Receiver
) -> None:
    secret = new_secret()
    plain = webhooks.endpoint(receiver.endpoint("/plain", {"s": secret}), secret)
    port = receiver.base_url.rsplit(":", 1)[1]
    internal = webhooks.endpoint(f"https://localhost:{port}/internal", secret)
    start_sender(replace(SETTINGS, retry_schedule=(timedelta(seconds=0.2),)), production=True)
    deliveries = [webhooks.delivery(plain), webhooks.delivery(internal)]

    receiver.wait_for(
        lambda: all(webhooks.row(d).status == "failed" for d in deliveries),
        timeout=10,
        what="both to fail",
    )

    plain_row, internal_row = (webhooks.row(d) for d in deliveries)
    assert plain_row.attempts == internal_row.attempts == 2
    assert plain_row.last_error == "refused target: must use https"
    assert internal_row.last_error == (
        "refused target: host 'localhost' resolves to a non-public address"
    )
    assert receiver.received == []


def test_an_outcome_does_not_overwrite_a_retry_made_during_the_attempt(
    start_sender: StartSender, webhooks: Webhooks, receiver: Receiver
) -> None:
    secret = new_secret()
    answer = first(1, Reply(500, delay_s=1.0), then=Reply(200))
    endpoint = webhooks.endpoint(receiver.endpoint("/retried", {"s": secret}, answer), secret)
    start_sender(
        replace(SETTINGS, timeout=timedelta(seconds=3), retry_schedule=(timedelta(hours=1),))
    )
    delivery = webhooks.delivery(endpoint)
    receiver.wait_for(lambda: receiver.requests("/retried"), timeout=10, what="the attempt")

    webhooks.retry(delivery)  # while the first attempt waits for its answer

    receiver.wait_for(
        lambda: webhooks.row(delivery).status == "delivered", timeout=10, what="the delivery"
    )
    row = webhooks.row(delivery)
    assert len(receiver.requests("/retried")) == 2
    assert (row.attempts, row.last_status_code) == (1, 200)  # the 500 was not recorded
