"""Who may make and see which webhook endpoints: tokens, owners and admins; a 404 for the
rest, on every route."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine

from bookings.api.conftest import TokenFactory
from bookings.api.testing_webhooks import create, stored

Client = TestClient[Any]


def test_a_provider_receives_its_own_events_only(
    client: Client, provider: dict[str, str], provider_id: str
) -> None:
    assert create(client, provider, providerId=provider_id).json()["providerId"] == provider_id
    response = create(client, provider, providerId="someone-else")
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


def test_an_admin_receives_every_provider_or_one(client: Client, auth: TokenFactory) -> None:
    admin = auth(f"admin-{uuid4().hex[:8]}", "admin")
    assert create(client, admin).json()["providerId"] is None
    assert create(client, admin, providerId="p-7").json()["providerId"] == "p-7"


def test_routes_need_a_token_with_a_booking_role(client: Client, auth: TokenFactory) -> None:
    assert client.get("/webhooks").status_code == 401
    assert create(client, {}).status_code == 401
    assert client.get("/webhooks", headers=auth("p1", "auditor")).status_code == 403
    assert create(client, auth("p1", "auditor")).status_code == 403


def test_get_shows_an_endpoint_to_its_owner_and_admins_only(
    client: Client, provider: dict[str, str], auth: TokenFactory
) -> None:
    created = create(client, provider).json()
    path = f"/webhooks/{created['id']}"
    own = client.get(path, headers=provider)
    assert own.status_code == 200
    assert own.json() == {key: value for key, value in created.items() if key != "secret"}
    assert client.get(path, headers=auth("other-provider")).status_code == 404
    assert client.get(path, headers=auth("boss", "admin")).json()["id"] == created["id"]


@pytest.mark.parametrize("endpoint_id", [str(uuid4()), "not-a-uuid", "1"])
@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("GET", ""),
        ("PATCH", ""),
        ("DELETE", ""),
        ("POST", "/rotate-secret"),
        ("GET", "/deliveries"),
        ("POST", f"/deliveries/{uuid4()}/retry"),
    ],
)
def test_an_unknown_or_malformed_id_is_a_404(
    client: Client, provider: dict[str, str], endpoint_id: str, method: str, suffix: str
) -> None:
    response = client.request(
        method, f"/webhooks/{endpoint_id}{suffix}", json={"enabled": False}, headers=provider
    )
    assert response.status_code == 404, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_someone_elses_endpoint_is_a_404_to_every_route(
    client: Client, provider: dict[str, str], auth: TokenFactory, engine: Engine
) -> None:
    created = create(client, provider).json()
    intruder = auth("intruder")
    path = f"/webhooks/{created['id']}"
    assert client.patch(path, json={"enabled": False}, headers=intruder).status_code == 404
    assert client.delete(path, headers=intruder).status_code == 404
    assert client.post(f"{path}/rotate-secret", headers=intruder).status_code == 404
    assert client.get(f"{path}/deliveries", headers=intruder).status_code == 404
    row = stored(engine, created["id"])
    assert (row.enabled, row.secret) == (True, created["secret"])
