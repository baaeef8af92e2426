"""Reading bookings through the app: one by id, and the upcoming and past lists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from uuid import uuid4

import pytest
from litestar.testing import TestClient

from bookings.api.conftest import SlotFactory, TokenFactory
from bookings.api.testing_bookings import create

Client = TestClient[Any]


def test_get_returns_own_booking_and_hides_others(
    client: Client, auth: TokenFactory, slot: SlotFactory
) -> None:
    owner, other, admin = auth("owner"), auth("other"), auth("boss", "admin")
    booking = create(client, owner, {"title": "Mine", **slot(70)}).json()
    path = f"/bookings/{booking['id']}"
    assert client.get(path, headers=owner).json() == booking
    assert client.get(path, headers=other).status_code == 404
    assert client.get(path, headers=admin).json()["id"] == booking["id"]


@pytest.mark.parametrize("booking_id", [str(uuid4()), "not-a-uuid", "1"])
def test_get_of_an_unknown_or_malformed_id_is_404(
    client: Client, provider: dict[str, str], booking_id: str
) -> None:
    response = client.get(f"/bookings/{booking_id}", headers=provider)
    assert response.status_code == 404
    assert response.json()["status"] == 404


def test_upcoming_lists_own_bookings_soonest_first_with_a_total(
    client: Client, auth: TokenFactory, slot: SlotFactory
) -> None:
    mine, theirs = auth("lister"), auth("stranger")
    for hours in (90, 80, 100):
        assert create(client, mine, {"title": f"h{hours}", **slot(hours)}).status_code == 201
    create(client, theirs, {"title": "not mine", **slot(85)})
    page = client.get("/bookings/upcoming/list?limit=2", headers=mine).json()
    assert page["total"] == 3
    assert (page["page"], page["limit"]) == (1, 2)
    assert [item["title"] for item in page["items"]] == ["h80", "h90"]
    second = client.get("/bookings/upcoming/list?limit=2&page=2", headers=mine).json()
    assert [item["title"] for item in second["items"]] == ["h100"]


def test_lists_include_cancelled_bookings_with_their_status(
    client: Client, provider: dict[str, str], slot: SlotFactory
) -> None:
    booking = create(client, provider, {"title": "Gone", **slot(120)}).json()
    client.post(f"/bookings/{booking['id']}/cancel", headers=provider)
    items = client.get("/bookings/upcoming/list", headers=provider).json()["items"]
    assert [(item["id"], item["status"]) for item in items] == [(booking["id"], "cancelled")]


def test_admin_lists_everyone_or_one_provider(
    client: Client, auth: TokenFactory, slot: SlotFactory
) -> None:
    create(client, auth("pa"), {"title": "a", **slot(130)})
    create(client, auth("pb"), {"title": "b", **slot(131)})
    admin = auth("boss", "admin")
    everyone = client.get("/bookings/upcoming/list?limit=100", headers=admin).json()
    assert {"pa", "pb"} <= {item["providerId"] for item in everyone["items"]}
    only_a = client.get("/bookings/upcoming/list?providerId=pa", headers=admin).json()
    assert {item["providerId"] for item in only_a["items"]} == {"pa"}


def test_a_provider_cannot_list_another_provider(client: Client, auth: TokenFactory) -> None:
    response = client.get("/bookings/upcoming/list?providerId=pb", headers=auth("pa"))
    assert response.status_code == 403


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "page=0", "page=x", "limit=-1"])
def test_bad_paging_is_a_422(client: Client, provider: dict[str, str], query: str) -> None:
    response = client.get(f"/bookings/upcoming/list?{query}", headers=provider)
    assert response.status_code == 422
    assert response.json()["errors"]


def test_past_lists_started_bookings_latest_first(
    client: Client, auth: TokenFactory, postgres_url: str
) -> None:
    from bookings.domain import handlers
    from bookings.domain.access import Actor
    from bookings.domain.commands import CreateBooking
    from bookings.domain.decisions import Context
    from bookings.persistence.database import Database

    now = datetime.now(UTC)
    context = Context(lambda: now - timedelta(days=7), timedelta(minutes=10))
    database = Database(postgres_url)
    try:
        for days in (3, 1, 2):  # booked a week ago, for dates that have passed since
            start = now - timedelta(days=days)
            command = CreateBooking(
                Actor("historian"), f"d{days}", start, start + timedelta(hours=1)
            )
            database.run(partial(handlers.create_booking, command, context=context))
    finally:
        database.close()
    page = client.get("/bookings/past/list", headers=auth("historian")).json()
    assert [item["title"] for item in page["items"]] == ["d1", "d2", "d3"]
    assert client.get("/bookings/upcoming/list", headers=auth("historian")).json()["total"] == 0


def test_a_nul_provider_filter_is_a_422(client: Client, auth: TokenFactory) -> None:
    response = client.get("/bookings/upcoming/list?providerId=a%00b", headers=auth("b", "admin"))
    assert response.status_code == 422
