"""Webhook endpoints' bounds: so many per owner, even under concurrent creates, and writes
that spend the write budget."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any
from uuid import uuid4

from litestar.testing import AsyncTestClient, TestClient
from sqlalchemy import Engine, create_engine, text

from bookings.api.app import create_app
from bookings.api.conftest import SettingsFactory, TokenFactory
from bookings.api.testing_webhooks import URL, create
from bookings.api.webhooks import MAX_ENDPOINTS_PER_OWNER
from bookings.persistence.urls import sqlalchemy_url

Client = TestClient[Any]


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
