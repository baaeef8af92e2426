"""Calendar feeds through the app: the secret URL, the feed as strict parsers read it, ETags."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import icalendar
import pytest
from litestar.testing import TestClient

from bookings.api.app import create_app
from bookings.api.conftest import SettingsFactory, TokenFactory
from bookings.api.settings import DEFAULT_CALENDAR_UID_HOST
from bookings.api.testing_calendar_feeds import book, feed_path, new_feed

Client = TestClient[Any]


def events_of(body: bytes) -> dict[str, Any]:
    calendar = icalendar.Calendar.from_ical(body)
    assert calendar.errors == []
    events = {}
    for event in calendar.walk("VEVENT"):
        assert event.errors == []
        events[str(event["UID"])] = event
    return events


def test_a_feed_shows_the_provider_s_bookings_to_calendar_apps(
    client: Client, provider_id: str, provider: dict[str, str], auth: TokenFactory
) -> None:
    feed = new_feed(client, provider_id, provider)
    assert feed["url"].startswith("http")
    assert feed["url"].endswith(f"/calendar/{feed['token']}.ics")
    kept = book(client, provider, "Checkup; room 2, floor \\ 3", days=3)
    cancelled = book(client, provider, "Cancelled one", days=4)
    client.post(f"/bookings/{cancelled['id']}/cancel", headers=provider)
    book(client, auth("someone-else"), "Not theirs", days=3)
    response = client.get(feed_path(feed))  # no bearer token: the URL is the credential
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["etag"].startswith('"')
    events = events_of(response.content)
    uids = {
        f"{kept['id']}@{DEFAULT_CALENDAR_UID_HOST}",
        f"{cancelled['id']}@{DEFAULT_CALENDAR_UID_HOST}",
    }
    assert set(events) == uids
    event = events[f"{kept['id']}@{DEFAULT_CALENDAR_UID_HOST}"]
    assert str(event["SUMMARY"]) == "Checkup; room 2, floor \\ 3"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event["DTSTART"].dt == datetime.fromisoformat(kept["startTime"])
    assert event["DTEND"].dt == datetime.fromisoformat(kept["endTime"])
    assert int(event["SEQUENCE"]) == kept["version"]
    gone = events[f"{cancelled['id']}@{DEFAULT_CALENDAR_UID_HOST}"]
    assert str(gone["STATUS"]) == "CANCELLED"
    assert int(gone["SEQUENCE"]) == cancelled["version"] + 1


def test_the_feed_window_runs_up_to_a_year_ahead(
    client: Client, provider_id: str, provider: dict[str, str]
) -> None:
    feed = new_feed(client, provider_id, provider)
    soon = book(client, provider, "Soon", days=300)
    book(client, provider, "Too far", days=400)
    events = events_of(client.get(feed_path(feed)).content)
    assert set(events) == {f"{soon['id']}@{DEFAULT_CALENDAR_UID_HOST}"}


def test_an_unchanged_feed_is_304_until_a_booking_changes(
    client: Client, provider_id: str, provider: dict[str, str]
) -> None:
    feed = new_feed(client, provider_id, provider)
    booking = book(client, provider, "First", days=2)
    first = client.get(feed_path(feed))
    etag = first.headers["etag"]
    again = client.get(feed_path(feed), headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert client.get(feed_path(feed), headers={"If-None-Match": f"W/{etag}"}).status_code == 304
    assert client.get(feed_path(feed), headers={"If-None-Match": '"other"'}).status_code == 200
    client.patch(f"/bookings/{booking['id']}", json={"title": "Renamed"}, headers=provider)
    changed = client.get(feed_path(feed), headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert "SUMMARY:Renamed" in changed.text
    # A poll without If-None-Match gets the body rendered for the current ETag, never an older one.
    polled = client.get(feed_path(feed))
    assert (polled.headers["etag"], polled.content) == (changed.headers["etag"], changed.content)
    assert first.content != changed.content


def test_a_new_token_retires_the_old_url(
    client: Client, provider_id: str, provider: dict[str, str]
) -> None:
    old = new_feed(client, provider_id, provider)
    new = new_feed(client, provider_id, provider)
    assert new["token"] != old["token"]
    assert client.get(feed_path(old)).status_code == 404
    assert client.get(feed_path(new)).status_code == 200


def test_only_the_provider_or_an_admin_makes_a_feed(
    client: Client, provider_id: str, auth: TokenFactory
) -> None:
    response = client.post(f"/providers/{provider_id}/calendar-feed", headers=auth("other"))
    assert response.status_code == 403
    assert client.post(f"/providers/{provider_id}/calendar-feed").status_code == 401
    new_feed(client, provider_id, auth("an-admin", "admin"))


@pytest.mark.parametrize(
    "path",
    [
        "/calendar/" + "A" * 43 + ".ics",
        "/calendar/" + "A" * 43,
        "/calendar/short.ics",
        "/calendar/..%2F..%2Fetc%2Fpasswd.ics",
        "/calendar/" + "A" * 5000 + ".ics",
        "/calendar/%00%00.ics",
    ],
)
def test_unknown_or_malformed_feeds_are_404(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_the_feed_url_uses_the_public_base_url(
    make_settings: SettingsFactory, provider_id: str, auth: TokenFactory
) -> None:
    settings = make_settings(
        PUBLIC_BASE_URL="https://api.example.com/", CALENDAR_UID_HOST="example.com"
    )
    with TestClient(create_app(settings)) as client:
        headers = auth(provider_id)
        feed = new_feed(client, provider_id, headers)
        assert feed["url"] == f"https://api.example.com/calendar/{feed['token']}.ics"
        booking = book(client, headers, "Hosted", days=1)
        events = events_of(client.get(feed_path(feed)).content)
        assert set(events) == {f"{booking['id']}@example.com"}
