"""Lists: cursor paging stable under inserts, and totals counted up to a bound."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine, text

from bookings.api.conftest import SlotFactory, TokenFactory
from bookings.domain.decisions import COUNTED_PAST_OFFSET

Client = TestClient[Any]
UPCOMING = "/bookings/upcoming/list"


@pytest.fixture
def provider_id() -> str:
    return f"lister-{uuid4().hex[:8]}"


def seed(engine: Engine, provider_id: str, count: int, *, first_hour: float) -> None:
    """`count` half-hour bookings, hourly from `first_hour` hours from now (negative: past)."""
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO bookings (id, provider_id, title, start_time, end_time, status,"
                " version, reminder_due_at, created_at, updated_at)"
                " SELECT gen_random_uuid(), :provider, 'Seeded ' || i, t, t + interval '30 minutes',"
                " 'scheduled', 1, t, now(), now()"
                " FROM (SELECT i, date_trunc('minute', now()) + (:first + i) * interval '1 hour' AS t"
                " FROM generate_series(0, :count - 1) i) s"
            ),
            {"provider": provider_id, "count": count, "first": first_hour},
        )


def walk(client: Client, headers: dict[str, str], path: str, limit: int) -> list[dict[str, Any]]:
    """Every item of a list, page after page by cursor."""
    items: list[dict[str, Any]] = []
    page = client.get(f"{path}?limit={limit}", headers=headers).json()
    while True:
        items.extend(page["items"])
        if page["nextCursor"] is None:
            return items
        page = client.get(f"{path}?limit={limit}&cursor={page['nextCursor']}", headers=headers)
        page = page.json()


def test_a_cursor_walks_the_whole_list_in_order(
    client: Client, auth: TokenFactory, engine: Engine, provider_id: str
) -> None:
    seed(engine, provider_id, 25, first_hour=1)
    headers = auth(provider_id)
    walked = walk(client, headers, UPCOMING, limit=7)
    by_page = client.get(f"{UPCOMING}?limit=100", headers=headers).json()["items"]
    assert [item["id"] for item in walked] == [item["id"] for item in by_page]
    assert len(walked) == 25


def test_a_cursor_walks_past_bookings_latest_first(
    client: Client, auth: TokenFactory, engine: Engine, provider_id: str
) -> None:
    seed(engine, provider_id, 9, first_hour=-20)
    walked = walk(client, auth(provider_id), "/bookings/past/list", limit=4)
    starts = [item["startTime"] for item in walked]
    assert starts == sorted(starts, reverse=True)
    assert len(walked) == 9


def test_cursor_pages_are_stable_while_bookings_are_added(
    client: Client, auth: TokenFactory, slot: SlotFactory, engine: Engine, provider_id: str
) -> None:
    seed(engine, provider_id, 10, first_hour=100)
    headers = auth(provider_id)
    first = client.get(f"{UPCOMING}?limit=5", headers=headers).json()
    # One booking lands before the cursor (already walked past), one after it.
    for hours in (50, 200):
        created = client.post("/bookings", json={"title": "new", **slot(hours)}, headers=headers)
        assert created.status_code == 201
    rest = client.get(f"{UPCOMING}?limit=100&cursor={first['nextCursor']}", headers=headers)
    titles = [item["title"] for item in rest.json()["items"]]
    assert titles == [f"Seeded {i}" for i in range(5, 10)] + ["new"]


def test_the_last_page_has_no_next_cursor(
    client: Client, auth: TokenFactory, engine: Engine, provider_id: str
) -> None:
    seed(engine, provider_id, 4, first_hour=1)
    headers = auth(provider_id)
    assert client.get(f"{UPCOMING}?limit=4", headers=headers).json()["nextCursor"] is None
    assert client.get(f"{UPCOMING}?limit=3", headers=headers).json()["nextCursor"] is not None


def test_totals_are_exact_up_to_the_bound_then_a_lower_bound(
    client: Client, auth: TokenFactory, engine: Engine, provider_id: str
) -> None:
    headers = auth(provider_id)
    seed(engine, provider_id, COUNTED_PAST_OFFSET, first_hour=1)
    small = client.get(UPCOMING, headers=headers).json()
    assert (small["total"], small["totalExact"]) == (COUNTED_PAST_OFFSET, True)
    seed(engine, provider_id, 500, first_hour=2000)
    large = client.get(UPCOMING, headers=headers).json()
    assert large["totalExact"] is False
    assert COUNTED_PAST_OFFSET < large["total"] < COUNTED_PAST_OFFSET + 500
    # The bound is counted from the page's offset, so a far page still knows what follows it.
    far = client.get(f"{UPCOMING}?page=20&limit=100", headers=headers).json()
    assert (far["total"], far["totalExact"]) == (COUNTED_PAST_OFFSET + 500, True)


@pytest.mark.parametrize(
    "query",
    [
        "cursor=not-a-cursor",
        "cursor=" + "A" * 33,
        "page=2&cursor=" + "A" * 32,
    ],
)
def test_a_bad_cursor_is_a_422(client: Client, auth: TokenFactory, query: str) -> None:
    response = client.get(f"{UPCOMING}?{query}", headers=auth("someone"))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
