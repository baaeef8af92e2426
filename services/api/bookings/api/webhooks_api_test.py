"""The webhook endpoint routes end to end through the app, on real PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from litestar.testing import AsyncTestClient, TestClient
from sqlalchemy import Engine, create_engine, select, text

from bookings.api.app import create_app
from bookings.api.conftest import SettingsFactory, TokenFactory
from bookings.api.settings import ApiSettings
from bookings.api.webhooks import MAX_ENDPOINTS_PER_OWNER
from bookings.auth import Principal, Role, issue_token
from bookings.events.schemas import CHANNELS
from bookings.persistence.tables import webhook_endpoints
from bookings.persistence.urls import sqlalchemy_url

Client = TestClient[Any]
URL = "http://127.0.0.1:9000/hooks"


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    engine = create_engine(sqlalchemy_url(postgres_url))
    yield engine
    engine.dispose()


def create(client: Client, headers: dict[str, str], **body: Any) -> Any:
    return client.post("/webhooks", json={"url": URL, **body}, headers=headers)


def stored(engine: Engine, endpoint_id: str) -> Any:
    with engine.connect() as connection:
        return connection.execute(
            select(webhook_endpoints).where(webhook_endpoints.c.id == UUID(endpoint_id))
        ).one_or_none()


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


def test_lists_hold_the_callers_own_newest_first(
    client: Client, provider: dict[str, str], auth: TokenFactory
) -> None:
    ids = [create(client, provider).json()["id"] for _ in range(3)]
    create(client, auth("stranger"))
    page = client.get("/webhooks", headers=provider).json()
    assert [item["id"] for item in page["items"]] == ids[::-1]
    assert page["nextCursor"] is None
    assert all("secret" not in item for item in page["items"])


def test_an_admin_lists_everyones_or_one_providers(client: Client, auth: TokenFactory) -> None:
    first, second = f"pa-{uuid4().hex[:6]}", f"pb-{uuid4().hex[:6]}"
    mine = create(client, auth(first)).json()["id"]
    theirs = create(client, auth(second)).json()["id"]
    admin = auth(f"admin-{uuid4().hex[:6]}", "admin")
    for_first = create(client, admin, providerId=first).json()["id"]
    everyone = client.get("/webhooks", headers=admin).json()["items"]
    assert {mine, theirs, for_first} <= {item["id"] for item in everyone}
    only_first = client.get(f"/webhooks?providerId={first}", headers=admin).json()["items"]
    assert {item["id"] for item in only_first} == {mine, for_first}


def test_a_provider_cannot_list_another_providers(
    client: Client, provider: dict[str, str], provider_id: str
) -> None:
    assert client.get("/webhooks?providerId=someone", headers=provider).status_code == 403
    assert client.get(f"/webhooks?providerId={provider_id}", headers=provider).status_code == 200


def test_a_cursor_walks_the_list(client: Client, provider: dict[str, str]) -> None:
    ids = [create(client, provider).json()["id"] for _ in range(5)]
    walked: list[str] = []
    page = client.get("/webhooks?limit=2", headers=provider).json()
    while True:
        walked.extend(item["id"] for item in page["items"])
        if page["nextCursor"] is None:
            break
        page = client.get(f"/webhooks?limit=2&cursor={page['nextCursor']}", headers=provider)
        page = page.json()
    assert walked == ids[::-1]


@pytest.mark.parametrize(
    "query", ["cursor=nope", "cursor=" + "f" * 32, "limit=0", "limit=101", "limit=x"]
)
def test_bad_paging_is_a_422(client: Client, provider: dict[str, str], query: str) -> None:
    response = client.get(f"/webhooks?{query}", headers=provider)
    assert response.status_code == 422, response.text
    assert response.json()["errors"]


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


def seed_endpoints(engine: Engine, owner: str, count: int) -> None:
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO webhook_endpoints (id, owner, provider_id, url, events, enabled,"
                " secret, created_at, updated_at)"
                " SELECT gen_random_uuid(), :owner, :owner, 'http://127.0.0.1/' || i,"
                " ARRAY['booking.created'], true, 'whsec_x', now(), now()"
                " FROM generate_series(1, :count) i"
            ),
            {"owner": owner, "count": count},
        )


def test_an_owner_may_have_a_bounded_number_of_endpoints(
    client: Client, provider: dict[str, str], provider_id: str, engine: Engine, auth: TokenFactory
) -> None:
    seed_endpoints(engine, provider_id, MAX_ENDPOINTS_PER_OWNER - 1)
    assert create(client, provider).status_code == 201
    refused = create(client, provider)
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"].endswith("/webhook-endpoint-limit")
    assert create(client, auth("another-owner")).status_code == 201
    first = client.get("/webhooks?limit=1", headers=provider).json()["items"][0]
    assert client.delete(f"/webhooks/{first['id']}", headers=provider).status_code == 204
    assert create(client, provider).status_code == 201


async def test_concurrent_creates_cannot_overshoot_the_bound(
    make_settings: SettingsFactory, auth: TokenFactory, postgres_url: str
) -> None:
    owner = f"racer-{uuid4().hex[:8]}"
    engine = create_engine(sqlalchemy_url(postgres_url))
    try:
        seed_endpoints(engine, owner, MAX_ENDPOINTS_PER_OWNER - 3)
    finally:
        engine.dispose()
    headers = auth(owner)
    async with AsyncTestClient(create_app(make_settings())) as client:
        responses = await asyncio.gather(
            *(client.post("/webhooks", json={"url": URL}, headers=headers) for _ in range(10))
        )
    assert Counter(response.status_code for response in responses) == {201: 3, 409: 7}


def test_writes_spend_the_principals_write_budget(
    make_settings: SettingsFactory, auth: TokenFactory
) -> None:
    with TestClient(create_app(make_settings(RATE_LIMIT_WRITES_PER_MINUTE="2"))) as client:
        headers = auth(f"writer-{uuid4().hex[:6]}")
        created = create(client, headers).json()
        deleted = client.delete(f"/webhooks/{created['id']}", headers=headers)
        limited = create(client, headers)
        read = client.get("/webhooks", headers=headers)
    assert deleted.status_code == 204
    assert limited.status_code == 429
    assert read.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/webhooks",
        "/webhooks/{webhook_id}",
        "/webhooks/{webhook_id}/deliveries",
        "/webhooks/{webhook_id}/rotate-secret",
    ],
)
def test_options_allows_every_method_the_document_lists(client: Client, path: str) -> None:
    documented = client.get("/schema/openapi.json").json()["paths"][path]
    response = client.options(path.replace("{webhook_id}", str(uuid4())))
    assert response.status_code == 204
    allowed = {method.strip() for method in response.headers["allow"].split(",")}
    listed = {method.upper() for method in documented}
    assert allowed == listed | {"OPTIONS"} | ({"HEAD"} if "GET" in listed else set())


WEBHOOK_OPERATIONS = {
    ("post", "/webhooks"): "createWebhook",
    ("get", "/webhooks"): "listWebhooks",
    ("get", "/webhooks/{webhook_id}"): "getWebhook",
    ("patch", "/webhooks/{webhook_id}"): "changeWebhook",
    ("delete", "/webhooks/{webhook_id}"): "deleteWebhook",
    ("post", "/webhooks/{webhook_id}/rotate-secret"): "rotateWebhookSecret",
    ("get", "/webhooks/{webhook_id}/deliveries"): "listWebhookDeliveries",
    (
        "post",
        "/webhooks/{webhook_id}/deliveries/{delivery_id}/retry",
    ): "retryWebhookDelivery",
}


def test_the_document_describes_every_webhook_route(client: Client) -> None:
    document = client.get("/schema/openapi.json").json()
    for (method, path), operation_id in WEBHOOK_OPERATIONS.items():
        operation = document["paths"][path][method]
        assert operation["operationId"] == operation_id
        assert operation["security"] == [{"BearerToken": []}]
        assert {"401", "403", "429"} <= set(operation["responses"])
    schemas = document["components"]["schemas"]
    for body in ("WebhookCreate", "WebhookUpdate"):
        assert schemas[body]["additionalProperties"] is False, body
    events = schemas["WebhookCreate"]["properties"]["events"]
    assert set(events["items"]["enum"]) == set(CHANNELS)
    secret_bearing = {"WebhookEndpointCreated", "WebhookSecret"}
    assert {
        name for name, schema in schemas.items() if "secret" in schema.get("properties", {})
    } == (secret_bearing)
    links = document["paths"]["/webhooks"]["post"]["responses"]["201"]["links"]
    assert set(links) == {
        "getWebhook",
        "changeWebhook",
        "deleteWebhook",
        "rotateWebhookSecret",
        "listWebhookDeliveries",
    }
