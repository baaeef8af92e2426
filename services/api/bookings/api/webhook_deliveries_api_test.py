"""An endpoint's deliveries through the app: fanned out by the relay's own statement from
bookings made through the API, listed newest first, filtered, paged, and retried."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine, create_engine, select, text, update

from bookings.api.conftest import SlotFactory, TokenFactory
from bookings.persistence.outbox import record_webhook_deliveries
from bookings.persistence.tables import outbox, webhook_deliveries
from bookings.persistence.urls import sqlalchemy_url

Client = TestClient[Any]
URL = "http://127.0.0.1:9000/hooks"
DELIVERY_FIELDS = {
    "id",
    "eventId",
    "eventType",
    "status",
    "attempts",
    "lastStatusCode",
    "lastError",
    "nextAttemptAt",
    "deliveredAt",
    "createdAt",
}


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    engine = create_engine(sqlalchemy_url(postgres_url))
    yield engine
    engine.dispose()


def endpoint(client: Client, headers: dict[str, str], **body: Any) -> str:
    response = client.post("/webhooks", json={"url": URL, **body}, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def book(client: Client, headers: dict[str, str], slot: SlotFactory, count: int) -> list[str]:
    """`count` bookings, one after the other (each a `booking.created` event)."""
    ids = []
    for _ in range(count):
        hours = 1000 + uuid4().int % 100_000
        response = client.post("/bookings", json={"title": "B", **slot(hours)}, headers=headers)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


def fan_out(engine: Engine, *providers: str) -> None:
    """What the relay does with these providers' committed events: a pending delivery per
    enabled endpoint that wants one."""
    with engine.begin() as connection:
        ids = connection.execute(
            select(outbox.c.id).where(outbox.c.provider_id.in_(providers)).order_by(outbox.c.id)
        ).scalars()
        record_webhook_deliveries(connection, list(ids))


def deliveries(client: Client, headers: dict[str, str], endpoint_id: str, query: str = "") -> Any:
    return client.get(f"/webhooks/{endpoint_id}/deliveries?{query}", headers=headers)


def test_an_endpoint_lists_its_deliveries_newest_first(
    client: Client, provider: dict[str, str], provider_id: str, slot: SlotFactory, engine: Engine
) -> None:
    endpoint_id = endpoint(client, provider)
    assert deliveries(client, provider, endpoint_id).json() == {"items": [], "nextCursor": None}
    book(client, provider, slot, 3)
    fan_out(engine, provider_id)
    response = deliveries(client, provider, endpoint_id)
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["nextCursor"] is None
    assert len(page["items"]) == 3
    first = page["items"][0]
    assert set(first) == DELIVERY_FIELDS
    assert (first["eventType"], first["status"], first["attempts"]) == (
        "booking.created",
        "pending",
        0,
    )
    assert first["nextAttemptAt"].endswith("Z")
    assert first["createdAt"].endswith("Z")
    assert (first["lastStatusCode"], first["lastError"], first["deliveredAt"]) == (None,) * 3
    order = [(item["createdAt"], item["id"]) for item in page["items"]]
    assert order == sorted(order, reverse=True)


def test_endpoints_receive_the_events_they_asked_for(
    client: Client, auth: TokenFactory, slot: SlotFactory, engine: Engine
) -> None:
    first, second = f"pa-{uuid4().hex[:6]}", f"pb-{uuid4().hex[:6]}"
    admin = auth(f"admin-{uuid4().hex[:6]}", "admin")
    of_first = endpoint(client, auth(first))
    cancellations_of_first = endpoint(client, auth(first), events=["booking.cancelled"])
    for_second = endpoint(client, admin, providerId=second)
    for_everyone = endpoint(client, admin)
    book(client, auth(first), slot, 2)
    book(client, auth(second), slot, 1)
    fan_out(engine, first, second)

    def count(endpoint_id: str) -> int:
        return len(deliveries(client, admin, endpoint_id).json()["items"])

    assert count(of_first) == 2
    assert count(cancellations_of_first) == 0
    assert count(for_second) == 1
    assert count(for_everyone) >= 3


def seed(engine: Engine, endpoint_id: str, statuses: list[str]) -> None:
    """Deliveries in these statuses, all created in one statement (one `created_at`): the id
    orders them."""
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, data,"
                " occurred_at, status, attempts, next_attempt_at, last_status_code,"
                " delivered_at, created_at, updated_at)"
                " SELECT gen_random_uuid(), :endpoint, gen_random_uuid(), 'booking.created',"
                " '{}', now(), s, 1, CASE WHEN s = 'pending' THEN now() END,"
                " CASE WHEN s = 'delivered' THEN 200 ELSE 500 END,"
                " CASE WHEN s = 'delivered' THEN now() END, now(), now()"
                " FROM unnest(CAST(:statuses AS text[])) s"
            ),
            {"endpoint": endpoint_id, "statuses": statuses},
        )


def test_a_status_filter_and_a_cursor_walk_the_deliveries(
    client: Client, provider: dict[str, str], engine: Engine
) -> None:
    endpoint_id = endpoint(client, provider)
    seed(engine, endpoint_id, ["pending", "delivered", "failed"] * 5)
    everything = deliveries(client, provider, endpoint_id, "limit=100").json()["items"]
    assert len(everything) == 15

    walked: list[dict[str, Any]] = []
    page = deliveries(client, provider, endpoint_id, "status=failed&limit=2").json()
    while True:
        walked.extend(page["items"])
        if page["nextCursor"] is None:
            break
        query = f"status=failed&limit=2&cursor={page['nextCursor']}"
        page = deliveries(client, provider, endpoint_id, query).json()
    assert [item["id"] for item in walked] == [
        item["id"] for item in everything if item["status"] == "failed"
    ]
    assert len(walked) == 5
    delivered = deliveries(client, provider, endpoint_id, "status=delivered").json()["items"]
    assert {(item["status"], item["lastStatusCode"]) for item in delivered} == {("delivered", 200)}
    assert all(item["deliveredAt"] and item["nextAttemptAt"] is None for item in delivered)


@pytest.mark.parametrize(
    "query",
    [
        "status=sent",
        "status=",
        "cursor=not-a-cursor",
        "cursor=" + "f" * 32,
        "limit=0",
        "limit=101",
    ],
)
def test_bad_filters_and_paging_are_a_422(
    client: Client, provider: dict[str, str], query: str
) -> None:
    endpoint_id = endpoint(client, provider)
    response = deliveries(client, provider, endpoint_id, query)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"]


def test_someone_elses_deliveries_are_not_found_but_an_admin_sees_them(
    client: Client, provider: dict[str, str], auth: TokenFactory, engine: Engine
) -> None:
    endpoint_id = endpoint(client, provider)
    seed(engine, endpoint_id, ["failed"])
    assert deliveries(client, auth("intruder"), endpoint_id).status_code == 404
    admin_view = deliveries(client, auth("boss", "admin"), endpoint_id)
    assert len(admin_view.json()["items"]) == 1


def stored(engine: Engine, delivery_id: str) -> Any:
    with engine.connect() as connection:
        return connection.execute(
            select(webhook_deliveries, text("now() AS now")).where(
                webhook_deliveries.c.id == UUID(delivery_id)
            )
        ).one()


@pytest.mark.parametrize("status", ["failed", "delivered", "pending"])
def test_a_retry_makes_a_delivery_pending_and_due_now(
    client: Client, provider: dict[str, str], engine: Engine, status: str
) -> None:
    endpoint_id = endpoint(client, provider)
    seed(engine, endpoint_id, [status])
    (delivery,) = deliveries(client, provider, endpoint_id).json()["items"]
    if status == "pending":  # waiting for a later attempt
        with engine.begin() as connection:
            connection.execute(
                update(webhook_deliveries)
                .where(webhook_deliveries.c.id == UUID(delivery["id"]))
                .values(next_attempt_at=datetime.now(UTC) + timedelta(hours=2))
            )
    response = client.post(
        f"/webhooks/{endpoint_id}/deliveries/{delivery['id']}/retry", headers=provider
    )
    assert response.status_code == 202, response.text
    retried = response.json()
    assert set(retried) == DELIVERY_FIELDS
    assert (retried["id"], retried["status"], retried["deliveredAt"]) == (
        delivery["id"],
        "pending",
        None,
    )
    assert retried["attempts"] == delivery["attempts"]
    row = stored(engine, delivery["id"])
    assert row.status == "pending"
    assert row.delivered_at is None
    assert row.next_attempt_at <= row.now
    assert row.now - row.next_attempt_at < timedelta(minutes=1)


def test_a_retry_wakes_the_sender(
    client: Client, provider: dict[str, str], engine: Engine, postgres_url: str
) -> None:
    endpoint_id = endpoint(client, provider)
    seed(engine, endpoint_id, ["failed"])
    (delivery,) = deliveries(client, provider, endpoint_id).json()["items"]
    with psycopg.connect(postgres_url, autocommit=True) as listener:
        listener.execute("LISTEN webhook_deliveries")
        path = f"/webhooks/{endpoint_id}/deliveries/{delivery['id']}/retry"
        assert client.post(path, headers=provider).status_code == 202
        woken = [n.channel for n in listener.notifies(timeout=5, stop_after=1)]
    assert woken == ["webhook_deliveries"]


def test_a_disabled_endpoints_retried_delivery_waits_pending(
    client: Client, provider: dict[str, str], engine: Engine
) -> None:
    endpoint_id = endpoint(client, provider)
    seed(engine, endpoint_id, ["failed"])
    client.patch(f"/webhooks/{endpoint_id}", json={"enabled": False}, headers=provider)
    (delivery,) = deliveries(client, provider, endpoint_id).json()["items"]
    path = f"/webhooks/{endpoint_id}/deliveries/{delivery['id']}/retry"
    assert client.post(path, headers=provider).json()["status"] == "pending"
    assert stored(engine, delivery["id"]).status == "pending"


def test_retrying_someone_elses_delivery_is_a_404_and_changes_nothing(
    client: Client, provider: dict[str, str], auth: TokenFactory, engine: Engine
) -> None:
    endpoint_id = endpoint(client, provider)
    seed(engine, endpoint_id, ["failed"])
    (delivery,) = deliveries(client, provider, endpoint_id).json()["items"]
    path = f"/webhooks/{endpoint_id}/deliveries/{delivery['id']}/retry"
    assert client.post(path, headers=auth("intruder")).status_code == 404
    assert stored(engine, delivery["id"]).status == "failed"
    # Nor is it reachable through another endpoint, even one of the same owner.
    other_endpoint = endpoint(client, provider)
    elsewhere = f"/webhooks/{other_endpoint}/deliveries/{delivery['id']}/retry"
    assert client.post(elsewhere, headers=provider).status_code == 404
    assert stored(engine, delivery["id"]).status == "failed"
    missing = f"/webhooks/{endpoint_id}/deliveries/{uuid4()}/retry"
    assert client.post(missing, headers=provider).status_code == 404
    malformed = f"/webhooks/{endpoint_id}/deliveries/nope/retry"
    assert client.post(malformed, headers=provider).status_code == 404
    admin = auth("boss", "admin")
    assert client.post(path, headers=admin).status_code == 202
