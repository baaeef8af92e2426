"""Changing a webhook endpoint through the app: PATCH, secret rotation and DELETE."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine, text

from bookings.api.testing_webhooks import create, stored

Client = TestClient[Any]


def test_patch_changes_url_and_events_and_disables_then_enables(
    client: Client, provider: dict[str, str], engine: Engine
) -> None:
    created = create(client, provider).json()
    path = f"/webhooks/{created['id']}"
    changed = client.patch(
        path,
        json={"url": "https://hooks.example/x", "events": ["booking.cancelled"] * 2},
        headers=provider,
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["url"], body["events"], body["enabled"]) == (
        "https://hooks.example/x",
        ["booking.cancelled"],
        True,
    )
    assert "secret" not in body
    disabled = client.patch(path, json={"enabled": False}, headers=provider).json()
    assert disabled["enabled"] is False
    assert disabled["url"] == "https://hooks.example/x"
    assert stored(engine, created["id"]).enabled is False
    assert client.patch(path, json={"enabled": True}, headers=provider).json()["enabled"] is True
    assert client.patch(path, json={}, headers=provider).json()["events"] == ["booking.cancelled"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "gopher://example.com"}, "url"),
        ({"events": []}, "events"),
        ({"events": ["booking.nope"]}, "events"),
        ({"enabled": "yes"}, "enabled"),
        ({"providerId": "someone"}, "body"),
        ({"secret": "whsec_x"}, "body"),
    ],
)
def test_patch_validates_like_create(
    client: Client, provider: dict[str, str], body: dict[str, Any], field: str
) -> None:
    created = create(client, provider).json()
    response = client.patch(f"/webhooks/{created['id']}", json=body, headers=provider)
    assert response.status_code == 422, response.text
    fields = [error["field"] for error in response.json()["errors"]]
    assert any(name.startswith(field) for name in fields), fields


def test_rotation_shows_the_new_secret_and_keeps_the_old_one_for_a_day(
    client: Client, provider: dict[str, str], engine: Engine
) -> None:
    created = create(client, provider).json()
    path = f"/webhooks/{created['id']}/rotate-secret"
    response = client.post(path, headers=provider)
    assert response.status_code == 200, response.text
    rotated = response.json()
    assert set(rotated) == {"secret"}
    assert rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != created["secret"]
    row = stored(engine, created["id"])
    assert (row.secret, row.previous_secret) == (rotated["secret"], created["secret"])
    expected = datetime.now(UTC) + timedelta(hours=24)
    assert abs(row.previous_secret_expires_at - expected) < timedelta(minutes=1)

    again = client.post(path, headers=provider).json()
    row = stored(engine, created["id"])
    assert (row.secret, row.previous_secret) == (again["secret"], rotated["secret"])
    # No other response shows a secret.
    assert "secret" not in client.get(f"/webhooks/{created['id']}", headers=provider).json()


def test_delete_removes_the_endpoint_and_its_deliveries(
    client: Client, provider: dict[str, str], engine: Engine
) -> None:
    created = create(client, provider).json()
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, data,"
                " occurred_at, status, attempts, next_attempt_at, created_at, updated_at)"
                " VALUES (gen_random_uuid(), :endpoint, gen_random_uuid(), 'booking.created',"
                " '{}', now(), 'failed', 3, NULL, now(), now())"
            ),
            {"endpoint": created["id"]},
        )
    path = f"/webhooks/{created['id']}"
    response = client.delete(path, headers=provider)
    assert response.status_code == 204
    assert response.content == b""
    assert client.get(path, headers=provider).status_code == 404
    assert client.delete(path, headers=provider).status_code == 404
    with engine.connect() as connection:
        left = connection.execute(
            text("SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = :endpoint"),
            {"endpoint": created["id"]},
        ).scalar()
    assert left == 0
