"""Retrying an endpoint's delivery through the app: pending and due now, the sender woken, and
only for the endpoint's owner or an admin."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine, select, text, update

from bookings.api.conftest import TokenFactory
from bookings.api.testing_webhooks import DELIVERY_FIELDS, deliveries, endpoint, seed
from bookings.persistence.tables import webhook_deliveries

Client = TestClient[Any]


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
