"""The booking routes end to end through the app, on real PostgreSQL and Redis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from uuid import uuid4

import pytest
from litestar.testing import TestClient
from sqlalchemy import create_engine, select

from bookings.api.conftest import SlotFactory, TokenFactory
from bookings.auth import Principal, Role, issue_token
from bookings.persistence.tables import outbox
from bookings.persistence.urls import sqlalchemy_url

Client = TestClient[Any]


def create(client: Client, headers: dict[str, str], body: dict[str, Any]) -> Any:
    return client.post("/bookings", json=body, headers=headers)


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
    "authorization",
    [None, "", "Basic abc", "Bearer", "Bearer not-a-jwt", "Bearer a.b.c extra"],
)
def test_requests_without_a_valid_token_get_401_with_a_challenge(
    client: Client, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = client.get("/bookings/upcoming/list", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.headers["content-type"] == "application/problem+json"


def test_an_expired_token_gets_401_saying_so(client: Client, settings: Any) -> None:
    old = datetime.now(UTC) - timedelta(days=1)
    token = issue_token(Principal("p1", frozenset({Role.PROVIDER})), settings.tokens, now=old)
    response = client.get(
        "/bookings/upcoming/list", headers={"Authorization": f"Bearer {token.access_token}"}
    )
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_a_token_without_a_booking_role_gets_403(client: Client, auth: TokenFactory) -> None:
    response = client.get("/bookings/upcoming/list", headers=auth("p1", "auditor"))
    assert response.status_code == 403


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


def test_cancel_cancels_once_then_409(
    client: Client, provider: dict[str, str], slot: SlotFactory
) -> None:
    booking = create(client, provider, {"title": "C", **slot(140)}).json()
    first = client.post(f"/bookings/{booking['id']}/cancel", headers=provider)
    assert first.status_code == 200
    assert first.json()["status"] == "cancelled"
    again = client.post(f"/bookings/{booking['id']}/cancel", headers=provider)
    assert again.status_code == 409


def test_a_cancelled_slot_can_be_booked_again(
    client: Client, provider: dict[str, str], slot: SlotFactory
) -> None:
    times = slot(145)
    booking = create(client, provider, {"title": "C", **times}).json()
    client.post(f"/bookings/{booking['id']}/cancel", headers=provider)
    assert create(client, provider, {"title": "D", **times}).status_code == 201


def test_others_cannot_cancel_or_change_a_booking(
    client: Client, auth: TokenFactory, slot: SlotFactory
) -> None:
    booking = create(client, auth("own"), {"title": "C", **slot(150)}).json()
    intruder = auth("intruder")
    assert client.post(f"/bookings/{booking['id']}/cancel", headers=intruder).status_code == 404
    response = client.patch(f"/bookings/{booking['id']}", json={"title": "x"}, headers=intruder)
    assert response.status_code == 404


def test_patch_renames_and_moves(
    client: Client, provider: dict[str, str], slot: SlotFactory
) -> None:
    booking = create(client, provider, {"title": "Old", **slot(160)}).json()
    moved = slot(170, 30)
    response = client.patch(
        f"/bookings/{booking['id']}", json={"title": "New", **moved}, headers=provider
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["title"] == "New"
    assert datetime.fromisoformat(changed["startTime"]) == datetime.fromisoformat(
        moved["startTime"]
    )
    assert changed["version"] == booking["version"] + 1


def test_patch_into_another_booking_is_a_409(
    client: Client, provider: dict[str, str], slot: SlotFactory
) -> None:
    blocker = create(client, provider, {"title": "Blocker", **slot(180)}).json()
    booking = create(client, provider, {"title": "Mover", **slot(190)}).json()
    response = client.patch(f"/bookings/{booking['id']}", json=slot(180.5), headers=provider)
    assert response.status_code == 409
    assert response.json()["conflictingBookingId"] == blocker["id"]


def test_patch_of_a_cancelled_booking_is_a_409(
    client: Client, provider: dict[str, str], slot: SlotFactory
) -> None:
    booking = create(client, provider, {"title": "C", **slot(200)}).json()
    client.post(f"/bookings/{booking['id']}/cancel", headers=provider)
    response = client.patch(f"/bookings/{booking['id']}", json={"title": "x"}, headers=provider)
    assert response.status_code == 409


@pytest.mark.parametrize(
    "body", [{"title": ""}, {"endTime": "2000-01-01T00:00:00Z"}, {"status": "cancelled"}]
)
def test_patch_rejects_invalid_changes(
    client: Client, provider: dict[str, str], slot: SlotFactory, body: dict[str, Any]
) -> None:
    booking = create(client, provider, {"title": "C", **slot(210)}).json()
    response = client.patch(f"/bookings/{booking['id']}", json=body, headers=provider)
    assert response.status_code == 422


@pytest.mark.parametrize(
    "change", [{"title": "a\u0000b"}, {"providerId": "p\u0000"}, {"providerId": "x" * 201}]
)
def test_text_postgres_cannot_store_is_a_422_not_a_500(
    client: Client, auth: TokenFactory, slot: SlotFactory, change: dict[str, Any]
) -> None:
    response = create(client, auth("boss", "admin"), {"title": "T", **slot(220), **change})
    assert response.status_code == 422


def test_a_nul_provider_filter_is_a_422(client: Client, auth: TokenFactory) -> None:
    response = client.get("/bookings/upcoming/list?providerId=a%00b", headers=auth("b", "admin"))
    assert response.status_code == 422


def test_a_token_whose_sub_holds_nul_is_a_401(client: Client, auth: TokenFactory) -> None:
    response = client.get("/bookings/upcoming/list", headers=auth("evil\u0000"))
    assert response.status_code == 401
