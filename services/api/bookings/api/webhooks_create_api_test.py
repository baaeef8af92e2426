"""Creating a webhook endpoint through the app: what it holds, which fields and bodies are
refused, and which URLs production accepts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine

from bookings.api.app import create_app
from bookings.api.conftest import SettingsFactory
from bookings.api.settings import ApiSettings
from bookings.api.testing_webhooks import URL, create, stored
from bookings.auth import Principal, Role, issue_token
from bookings.events.schemas import CHANNELS

Client = TestClient[Any]


def test_create_enables_an_endpoint_for_every_booking_event_of_the_provider(
    client: Client, provider: dict[str, str], provider_id: str, engine: Engine
) -> None:
    response = create(client, provider)
    assert response.status_code == 201, response.text
    endpoint = response.json()
    assert set(endpoint) == {
        "id",
        "url",
        "events",
        "providerId",
        "enabled",
        "createdAt",
        "secret",
    }
    assert endpoint["events"] == list(CHANNELS)
    assert (endpoint["url"], endpoint["providerId"], endpoint["enabled"]) == (
        URL,
        provider_id,
        True,
    )
    assert endpoint["createdAt"].endswith("Z")
    assert endpoint["secret"].startswith("whsec_")
    row = stored(engine, endpoint["id"])
    assert (row.owner, row.provider_id, row.secret) == (
        provider_id,
        provider_id,
        endpoint["secret"],
    )
    assert row.previous_secret is None


def test_events_are_kept_once_each_in_a_fixed_order(
    client: Client, provider: dict[str, str]
) -> None:
    events = ["booking.reminder", "booking.created", "booking.reminder"]
    response = create(client, provider, events=events)
    assert response.status_code == 201
    assert response.json()["events"] == ["booking.created", "booking.reminder"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"events": ["booking.deleted"]}, "events"),
        ({"events": []}, "events"),
        ({"events": "booking.created"}, "events"),
        ({"events": None}, "events"),
        ({"url": ""}, "url"),
        ({"url": "example.com/hook"}, "url"),
        ({"url": "ftp://example.com/hook"}, "url"),
        ({"url": "http:///no-host"}, "url"),
        ({"url": "https://exa mple.com/"}, "url"),
        ({"url": "https://example.com/a\u0000b"}, "url"),
        ({"url": "https://example.com:99999/"}, "url"),
        ({"url": "https://example.com/" + "a" * 2000}, "url"),
        ({"url": 5}, "url"),
        ({"providerId": "p\u0000"}, "providerId"),
        ({"colour": "red"}, "body"),
        ({"secret": "whsec_mine"}, "body"),
    ],
)
def test_invalid_fields_are_a_422_naming_them(
    client: Client, provider: dict[str, str], body: dict[str, Any], field: str
) -> None:
    response = client.post("/webhooks", json={"url": URL, **body}, headers=provider)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    fields = [error["field"] for error in response.json()["errors"]]
    assert any(name.startswith(field) for name in fields), fields


def test_a_refused_url_names_the_reason(client: Client, provider: dict[str, str]) -> None:
    response = create(client, provider, url="ftp://example.com/")
    assert response.json()["errors"] == [
        {"field": "url", "message": "must be an absolute http or https URL"}
    ]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://93.184.215.14/hook", "must use https"),
        ("https://127.0.0.1/hook", "non-public"),
        ("https://localhost/hook", "non-public"),
        ("https://169.254.169.254/latest/meta-data/", "non-public"),
        ("https://[::1]:9000/", "non-public"),
    ],
)
def test_production_refuses_plain_http_and_internal_hosts(
    make_settings: SettingsFactory, url: str, reason: str
) -> None:
    settings = make_settings(APP_ENV="production", JWT_SECRET="s" * 32)
    with TestClient(create_app(settings)) as client:
        response = client.post("/webhooks", json={"url": url}, headers=_token(settings, "p"))
    assert response.status_code == 422, response.text
    (error,) = response.json()["errors"]
    assert error["field"] == "url"
    assert reason in error["message"]


def test_production_accepts_https_to_a_public_address(make_settings: SettingsFactory) -> None:
    settings = make_settings(APP_ENV="production", JWT_SECRET="s" * 32)
    with TestClient(create_app(settings)) as client:
        url = "https://93.184.215.14:8443/hook"
        response = client.post("/webhooks", json={"url": url}, headers=_token(settings, "p"))
    assert response.status_code == 201, response.text


def _token(settings: ApiSettings, provider_id: str) -> dict[str, str]:
    """A provider's token signed with these settings' secret (`auth` signs with the default
    test settings')."""
    principal = Principal(provider_id, frozenset({Role.PROVIDER}))
    issued = issue_token(principal, settings.tokens, now=datetime.now(UTC))
    return {"Authorization": f"Bearer {issued.access_token}"}


def test_a_body_that_is_not_json_is_refused_before_it_is_read(
    client: Client, provider: dict[str, str]
) -> None:
    as_text = client.post(
        "/webhooks", content=b"url=x", headers={**provider, "Content-Type": "text/plain"}
    )
    broken = client.post(
        "/webhooks", content=b'{"url": ', headers={**provider, "Content-Type": "application/json"}
    )
    assert (as_text.status_code, broken.status_code) == (415, 400)
