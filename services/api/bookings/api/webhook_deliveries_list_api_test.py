"""An endpoint's deliveries through the app: fanned out by the relay's own statement from
bookings made through the API, listed newest first, filtered and paged."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine, select

from bookings.api.conftest import SlotFactory, TokenFactory
from bookings.api.testing_webhooks import DELIVERY_FIELDS, deliveries, endpoint, seed
from bookings.persistence.outbox import record_webhook_deliveries
from bookings.persistence.tables import outbox

Client = TestClient[Any]


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
