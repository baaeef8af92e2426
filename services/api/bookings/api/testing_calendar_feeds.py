"""Calendar feeds for the tests: made through the app, with the bookings they show, and the
path a calendar app polls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from litestar.testing import TestClient

Client = TestClient[Any]


def new_feed(client: Client, provider_id: str, headers: dict[str, str]) -> dict[str, str]:
    response = client.post(f"/providers/{provider_id}/calendar-feed", headers=headers)
    assert response.status_code == 200, response.text
    feed: dict[str, str] = response.json()
    return feed


def feed_path(feed: dict[str, str]) -> str:
    return "/calendar/" + feed["url"].rsplit("/calendar/", 1)[1]


def book(client: Client, headers: dict[str, str], title: str, days: float) -> dict[str, Any]:
    start = (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0)
    body = {
        "title": title,
        "startTime": start.isoformat(),
        "endTime": (start + timedelta(minutes=45)).isoformat(),
    }
    response = client.post("/bookings", json=body, headers=headers)
    assert response.status_code == 201, response.text
    booking: dict[str, Any] = response.json()
    return booking
