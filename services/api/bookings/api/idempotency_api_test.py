"""`Idempotency-Key` on writes: replay, mismatch, in flight, per principal."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from litestar.testing import TestClient
from sqlalchemy import create_engine, func, insert, select

from bookings.api.conftest import SlotFactory, TokenFactory
from bookings.persistence.idempotency import IN_FLIGHT_WAIT
from bookings.persistence.tables import bookings, idempotency_keys
from bookings.persistence.urls import sqlalchemy_url

Client = TestClient[Any]


def count_bookings(postgres_url: str, provider_id: str) -> int:
    engine = create_engine(sqlalchemy_url(postgres_url))
    try:
        with engine.connect() as connection:
            statement = select(func.count()).where(bookings.c.provider_id == provider_id)
            return int(connection.execute(statement).scalar_one())
    finally:
        engine.dispose()


@pytest.fixture
def provider_id() -> str:
    return f"idem-{uuid4().hex[:8]}"


def test_a_retry_with_the_same_key_and_body_replays_the_first_response(
    client: Client, auth: TokenFactory, slot: SlotFactory, provider_id: str, postgres_url: str
) -> None:
    headers = {**auth(provider_id), "Idempotency-Key": "create-1"}
    body = {"title": "Once", **slot(300)}
    first = client.post("/bookings", json=body, headers=headers)
    second = client.post("/bookings", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    assert second.headers["idempotent-replayed"] == "true"
    assert count_bookings(postgres_url, provider_id) == 1


def test_the_same_key_with_another_body_is_a_422(
    client: Client, auth: TokenFactory, slot: SlotFactory, provider_id: str
) -> None:
    headers = {**auth(provider_id), "Idempotency-Key": "create-2"}
    client.post("/bookings", json={"title": "A", **slot(310)}, headers=headers)
    response = client.post("/bookings", json={"title": "B", **slot(320)}, headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_keys_belong_to_their_principal(
    client: Client, auth: TokenFactory, slot: SlotFactory, provider_id: str
) -> None:
    body = {"title": "Mine", **slot(330)}
    first = client.post(
        "/bookings", json=body, headers={**auth(provider_id), "Idempotency-Key": "shared"}
    )
    other = client.post(
        "/bookings", json=body, headers={**auth(provider_id + "-b"), "Idempotency-Key": "shared"}
    )
    assert first.status_code == other.status_code == 201
    assert first.json()["id"] != other.json()["id"]


def test_a_request_still_in_flight_with_the_key_is_a_409(
    client: Client, auth: TokenFactory, slot: SlotFactory, provider_id: str, postgres_url: str
) -> None:
    # A first request with the key, still in its transaction: claimed, not committed.
    engine = create_engine(sqlalchemy_url(postgres_url))
    try:
        with engine.begin() as first:
            first.execute(
                insert(idempotency_keys).values(
                    principal=provider_id,
                    key="busy",
                    fingerprint="whatever",
                    status_code=None,
                    response_body=None,
                    created_at=datetime.now(UTC),
                )
            )
            headers = {**auth(provider_id), "Idempotency-Key": "busy"}
            began = time.monotonic()
            response = client.post("/bookings", json={"title": "T", **slot(340)}, headers=headers)
            waited = time.monotonic() - began
            first.rollback()
    finally:
        engine.dispose()
    assert response.status_code == 409
    assert waited >= IN_FLIGHT_WAIT.total_seconds() * 0.9  # it waited for the first to finish


def test_a_conflict_is_replayed_as_a_conflict(
    client: Client, auth: TokenFactory, slot: SlotFactory, provider_id: str
) -> None:
    times = slot(350)
    client.post("/bookings", json={"title": "Blocker", **times}, headers=auth(provider_id))
    headers = {**auth(provider_id), "Idempotency-Key": "conflict"}
    first = client.post("/bookings", json={"title": "Late", **times}, headers=headers)
    second = client.post("/bookings", json={"title": "Late", **times}, headers=headers)
    assert first.status_code == second.status_code == 409
    assert second.json()["conflictingBookingId"] == first.json()["conflictingBookingId"]


def test_patch_and_cancel_replay_too(
    client: Client, auth: TokenFactory, slot: SlotFactory, provider_id: str
) -> None:
    headers = auth(provider_id)
    booking = client.post("/bookings", json={"title": "T", **slot(360)}, headers=headers).json()
    patch_headers = {**headers, "Idempotency-Key": "rename"}
    renamed = client.patch(f"/bookings/{booking['id']}", json={"title": "U"}, headers=patch_headers)
    again = client.patch(f"/bookings/{booking['id']}", json={"title": "U"}, headers=patch_headers)
    assert renamed.status_code == again.status_code == 200
    assert again.json()["version"] == renamed.json()["version"] == 2
    cancel_headers = {**headers, "Idempotency-Key": "cancel"}
    cancelled = client.post(f"/bookings/{booking['id']}/cancel", headers=cancel_headers)
    replayed = client.post(f"/bookings/{booking['id']}/cancel", headers=cancel_headers)
    assert cancelled.status_code == replayed.status_code == 200
    assert replayed.headers["idempotent-replayed"] == "true"


@pytest.mark.parametrize("key", [" ", "k" * 256])
def test_an_empty_or_overlong_key_is_a_422(
    client: Client, auth: TokenFactory, slot: SlotFactory, provider_id: str, key: str
) -> None:
    headers = {**auth(provider_id), "Idempotency-Key": key}
    response = client.post("/bookings", json={"title": "T", **slot(370)}, headers=headers)
    assert response.status_code == 422
