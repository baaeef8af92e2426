"""Creating a booking through the app, on real PostgreSQL and Redis: the booking and its event,
refused fields and bodies, whose it may be, and overlaps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import create_engine, select

from bookings.api.conftest import SlotFactory, TokenFactory
from bookings.api.testing_bookings import create
from bookings.persistence.tables import outbox
from bookings.persistence.urls import sqlalchemy_url

Client = TestClient[Any]


def test_create_returns_the_booking_in_utc(
    client: Client, provider: dict[str, str], slot: SlotFactory
) -> None:
    start = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    body = {
        "title": "  Checkup  ",
        "startTime": start.astimezone().isoformat(),
        "endTime": (start + timedelta(hours=1)).isoformat().replace("+00:00", "+02:00"),
    }
    # endTime given at +02:00 is two hours earlier in UTC: make it a valid slot instead.
    body["endTime"] = (
        (start + timedelta(hours=3)).astimezone(datetime.now().astimezone().tzinfo).isoformat()
    )
    response = create(client, provider, body)
    assert response.status_code == 201, response.text
    booking = response.json()
    assert booking["title"] == "Checkup"
    assert booking["status"] == "scheduled"
    assert booking["startTime"].endswith("Z")
    assert booking["endTime"].endswith("Z")
    assert datetime.fromisoformat(booking["startTime"]) == start
    assert set(booking) >= {"id", "providerId", "createdAt", "updatedAt", "version"}


def test_create_writes_the_created_event_in_the_same_commit(
    client: Client, provider: dict[str, str], slot: SlotFactory, postgres_url: str
) -> None:
    booking = create(client, provider, {"title": "Event", **slot(30)}).json()
    engine = create_engine(sqlalchemy_url(postgres_url))
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(outbox.c.event_type).where(outbox.c.booking_id == booking["id"])
            ).all()
    finally:
        engine.dispose()
    assert [row.event_type for row in rows] == ["booking.created"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        (
            {"startTime": "2001-01-01T10:00:00+00:00", "endTime": "2001-01-01T11:00:00+00:00"},
            "startTime",
        ),
        ({"endTime": "2000-01-01T00:00:00Z"}, "endTime"),
        ({"startTime": "2999-01-01T10:00:00", "endTime": "2999-01-01T11:00:00"}, "startTime"),
        ({"startTime": "2999-01-01T00:00:00Z", "endTime": "2999-01-02T00:00:01Z"}, "endTime"),
        ({"title": 5}, "title"),
        ({"startTime": "tomorrow"}, "startTime"),
    ],
)
def test_create_rejects_invalid_fields_with_422_naming_them(
    client: Client,
    provider: dict[str, str],
    slot: SlotFactory,
    change: dict[str, Any],
    field: str,
) -> None:
    response = create(client, provider, {"title": "Valid", **slot(10), **change})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422
    assert field in [error["field"] for error in problem["errors"]]


def test_create_rejects_unknown_fields(
    client: Client, provider: dict[str, str], slot: SlotFactory
) -> None:
    response = create(client, provider, {"title": "T", **slot(10), "colour": "red"})
    assert response.status_code == 422
    assert "colour" in response.json()["errors"][0]["message"]


def test_malformed_json_is_a_400_problem(client: Client, provider: dict[str, str]) -> None:
    response = client.post(
        "/bookings", content=b'{"title": ', headers={**provider, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert set(response.json()) >= {"type", "title", "status", "detail"}


def test_a_provider_cannot_book_for_another_provider(
    client: Client, provider: dict[str, str], slot: SlotFactory
) -> None:
    response = create(client, provider, {"title": "T", **slot(10), "providerId": "someone-else"})
    assert response.status_code == 403
    assert response.json()["status"] == 403


def test_an_admin_books_for_any_provider(
    client: Client, auth: TokenFactory, slot: SlotFactory
) -> None:
    response = create(
        client, auth("root", "admin"), {"title": "T", **slot(10), "providerId": "p-9"}
    )
    assert response.status_code == 201
    assert response.json()["providerId"] == "p-9"


def test_an_overlapping_booking_is_a_409_naming_the_booking_in_the_way(
    client: Client, provider: dict[str, str], slot: SlotFactory
) -> None:
    first = create(client, provider, {"title": "First", **slot(50, 60)}).json()
    response = create(client, provider, {"title": "Second", **slot(50.5, 60)})
    assert response.status_code == 409
    assert response.json()["conflictingBookingId"] == first["id"]


def test_back_to_back_bookings_do_not_conflict(
    client: Client, provider: dict[str, str], slot: SlotFactory
) -> None:
    assert create(client, provider, {"title": "A", **slot(60, 60)}).status_code == 201
    assert create(client, provider, {"title": "B", **slot(61, 60)}).status_code == 201


@pytest.mark.parametrize(
    "change", [{"title": "a\u0000b"}, {"providerId": "p\u0000"}, {"providerId": "x" * 201}]
)
def test_text_postgres_cannot_store_is_a_422_not_a_500(
    client: Client, auth: TokenFactory, slot: SlotFactory, change: dict[str, Any]
) -> None:
    response = create(client, auth("boss", "admin"), {"title": "T", **slot(220), **change})
    assert response.status_code == 422
