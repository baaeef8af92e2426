"""Webhook endpoints and their deliveries for the tests: endpoints made through the app, and rows
written and read back in PostgreSQL as the relay and the sender leave them."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar.testing import TestClient
from sqlalchemy import Engine, select, text

from bookings.persistence.tables import webhook_endpoints

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


def create(client: Client, headers: dict[str, str], **body: Any) -> Any:
    return client.post("/webhooks", json={"url": URL, **body}, headers=headers)


def endpoint(client: Client, headers: dict[str, str], **body: Any) -> str:
    """The id of a new endpoint (`create`, which must succeed)."""
    response = create(client, headers, **body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def stored(engine: Engine, endpoint_id: str) -> Any:
    """The endpoint's row, or None."""
    with engine.connect() as connection:
        return connection.execute(
            select(webhook_endpoints).where(webhook_endpoints.c.id == UUID(endpoint_id))
        ).one_or_none()


def deliveries(client: Client, headers: dict[str, str], endpoint_id: str, query: str = "") -> Any:
    return client.get(f"/webhooks/{endpoint_id}/deliveries?{query}", headers=headers)


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
