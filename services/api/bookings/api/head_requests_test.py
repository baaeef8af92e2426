"""HEAD through the app: GET's status and headers without the content, and Allow naming it."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from bookings.api.conftest import SlotFactory
from bookings.api.testing_calendar_feeds import book, feed_path, new_feed

Client = TestClient[Any]
# Headers that differ between any two answers (the request's id, the rate limit left).
_PER_ANSWER = {"x-request-id", "date", "ratelimit-remaining", "ratelimit-reset"}


def headers_kept(response: Any) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k not in _PER_ANSWER}


def test_head_answers_as_get_without_the_content(client: Client) -> None:
    get = client.get("/health")
    head = client.head("/health")

    assert (head.status_code, head.content) == (200, b"")
    assert headers_kept(head) == headers_kept(get)
    assert int(head.headers["content-length"]) == len(get.content)


def test_head_of_a_booking_has_the_headers_of_its_get(
    client: Client, provider: dict[str, str], slot: SlotFactory
) -> None:
    created = client.post("/bookings", json={"title": "T", **slot(30)}, headers=provider)
    path = f"/bookings/{created.json()['id']}"
    get = client.get(path, headers=provider)
    head = client.head(path, headers=provider)

    assert (head.status_code, head.content) == (200, b"")
    assert headers_kept(head) == headers_kept(get)
    assert int(head.headers["content-length"]) == len(get.content) > 0


def test_head_is_refused_as_get_is(client: Client, provider: dict[str, str]) -> None:
    unauthenticated = client.head("/bookings/upcoming/list")
    unknown = client.head("/no-such-path", headers=provider)

    assert (unauthenticated.status_code, unauthenticated.content) == (401, b"")
    assert unauthenticated.headers["content-type"] == "application/problem+json"
    assert (unknown.status_code, unknown.content) == (404, b"")


def test_a_calendar_app_may_ask_for_the_feed_s_headers_only(
    client: Client, provider_id: str, provider: dict[str, str]
) -> None:
    feed = new_feed(client, provider_id, provider)
    book(client, provider, "Checkup", days=2)
    get = client.get(feed_path(feed))
    head = client.head(feed_path(feed))

    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-type"].startswith("text/calendar")
    assert head.headers["etag"] == get.headers["etag"]
    assert int(head.headers["content-length"]) == len(get.content)
    unchanged = client.head(feed_path(feed), headers={"If-None-Match": get.headers["etag"]})
    assert (unchanged.status_code, unchanged.content) == (304, b"")


def test_allow_names_head_wherever_it_names_get(client: Client) -> None:
    refused = client.delete("/health")
    post_only = client.head("/auth/login")

    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET, HEAD, OPTIONS"
    assert post_only.status_code == 405
    assert "HEAD" not in post_only.headers["allow"]


def test_head_is_logged_and_counted_as_head_under_its_route(client: Client) -> None:
    client.head("/health")

    metrics = client.get("/metrics").text
    assert 'http_requests_total{method="HEAD",route="/health",status="200"}' in metrics
