"""JSON bodies at the edge: media types, UTF-8, strict times; every bad body is a clear 4xx."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from bookings.api.app import create_app
from bookings.api.bodies import is_json_media_type
from bookings.api.conftest import SlotFactory
from bookings.api.settings import ApiSettings

Client = TestClient[Any]
JSON = {"Content-Type": "application/json"}
# A valid body but for one byte: 0xE9 ("é" in Latin-1) alone is not UTF-8.
NOT_UTF8 = (
    b'{"title":"caf\xe9","startTime":"2999-01-01T10:00:00Z","endTime":"2999-01-01T11:00:00Z"}'
)


@pytest.fixture
def booking_path(client: Client, provider: dict[str, str], slot: SlotFactory) -> str:
    created = client.post("/bookings", json={"title": "Existing", **slot(300)}, headers=provider)
    assert created.status_code == 201, created.text
    return f"/bookings/{created.json()['id']}"


def problem_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    return problem


@pytest.mark.parametrize("route", ["create", "change", "login"])
def test_a_body_that_is_not_utf8_is_a_400(
    client: Client, provider: dict[str, str], booking_path: str, route: str
) -> None:
    method, path, body = {
        "create": ("POST", "/bookings", NOT_UTF8),
        "change": ("PATCH", booking_path, b'{"title":"caf\xe9"}'),
        "login": ("POST", "/auth/login", b'{"sub":"caf\xe9"}'),
    }[route]
    response = client.request(method, path, content=body, headers={**provider, **JSON})
    assert "UTF-8" in problem_of(response, 400)["detail"]


@pytest.mark.parametrize(
    ("route", "body", "name"),
    [
        ("create", b'{"title":"a","title":"b","startTime":"S","endTime":"E"}', "title"),
        ("login", b'{"sub":"p-1","roles":["provider"],"sub":"admin"}', "sub"),
        ("schedule", b'{"timeZone":"UTC","weekly":{"monday":[],"monday":[]}}', "monday"),
    ],
)
def test_a_body_that_names_a_member_twice_is_a_400_naming_it(
    client: Client,
    provider_id: str,
    provider: dict[str, str],
    slot: SlotFactory,
    route: str,
    body: bytes,
    name: str,
) -> None:
    times = slot(400)
    body = body.replace(b'"S"', f'"{times["startTime"]}"'.encode())
    body = body.replace(b'"E"', f'"{times["endTime"]}"'.encode())
    method, path = {
        "create": ("POST", "/bookings"),
        "login": ("POST", "/auth/login"),
        "schedule": ("PUT", f"/providers/{provider_id}/schedule"),
    }[route]
    response = client.request(method, path, content=body, headers={**provider, **JSON})
    assert f"{name!r} twice" in problem_of(response, 400)["detail"]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("9999-12-31T23:00:00-12:00", "9999-12-31T23:30:00-12:00"),
        ("0001-01-01T00:00:00+14:00", "0001-01-01T01:00:00+14:00"),
    ],
)
def test_a_time_beyond_the_calendar_in_utc_is_a_422_naming_the_field(
    client: Client, provider: dict[str, str], booking_path: str, start: str, end: str
) -> None:
    created = client.post(
        "/bookings", json={"title": "Edge", "startTime": start, "endTime": end}, headers=provider
    )
    changed = client.patch(booking_path, json={"endTime": end}, headers=provider)

    assert {e["field"] for e in problem_of(created, 422)["errors"]} == {"startTime", "endTime"}
    assert [e["field"] for e in problem_of(changed, 422)["errors"]] == ["endTime"]
    assert "out of range" in problem_of(changed, 422)["errors"][0]["message"]


@pytest.mark.parametrize("start", [4102444800, 4102444800.5, "4102444800"])
def test_a_time_that_is_not_an_iso_8601_string_is_a_422(
    client: Client, provider: dict[str, str], booking_path: str, start: object
) -> None:
    created = client.post(
        "/bookings",
        json={"title": "Epoch", "startTime": start, "endTime": "2100-01-01T01:00:00Z"},
        headers=provider,
    )
    changed = client.patch(booking_path, json={"startTime": start}, headers=provider)

    assert [e["field"] for e in problem_of(created, 422)["errors"]] == ["startTime"]
    assert [e["field"] for e in problem_of(changed, 422)["errors"]] == ["startTime"]


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/jsonx",
        "application/json; charset=iso-8859-1",
    ],
)
def test_a_body_route_refuses_anything_but_json_with_415(
    client: Client,
    provider: dict[str, str],
    booking_path: str,
    slot: SlotFactory,
    content_type: str | None,
) -> None:
    headers = {**provider} if content_type is None else {**provider, "Content-Type": content_type}
    body = b'{"title":"Typed","startTime":"%s","endTime":"%s"}' % tuple(
        value.encode() for value in slot(310).values()
    )

    created = client.post("/bookings", content=body, headers=headers)
    changed = client.patch(booking_path, content=b'{"title":"Typed"}', headers=headers)
    login = client.post("/auth/login", content=b'{"sub":"typed"}', headers=headers)

    for response in (created, changed, login):
        assert "JSON" in problem_of(response, 415)["detail"]


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "Application/JSON; charset=UTF-8", "application/merge-patch+json"],
)
def test_json_and_plus_json_media_types_are_read(
    client: Client, provider: dict[str, str], booking_path: str, content_type: str
) -> None:
    changed = client.patch(
        booking_path,
        content=b'{"title":"Renamed"}',
        headers={**provider, "Content-Type": content_type},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["title"] == "Renamed"


def test_without_a_valid_token_the_body_is_not_read(client: Client) -> None:
    # Authentication runs first: a stranger learns nothing about what its body would do.
    for body, content_type in [(NOT_UTF8, "application/json"), (b"{}", "text/plain")]:
        response = client.post("/bookings", content=body, headers={"Content-Type": content_type})
        problem_of(response, 401)


@pytest.mark.parametrize(
    ("content_type", "is_json"),
    [
        ("application/json", True),
        ("application/problem+json", True),
        ("application/json;charset=utf-8", True),
        ('application/json; charset="UTF-8"', True),
        ("", False),
        ("json", False),
        ("text/json", False),
        ("application/json; charset=utf-16", False),
    ],
)
def test_json_media_types_are_application_json_or_plus_json_in_utf8(
    content_type: str, is_json: bool
) -> None:
    assert is_json_media_type(content_type) is is_json


async def test_a_body_that_stops_short_is_a_400(settings: ApiSettings) -> None:
    # What granian reports for a malformed chunked body: the body ends in a disconnect.
    app = create_app(settings)
    messages: list[dict[str, Any]] = [
        {"type": "http.request", "body": b'{"sub":', "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/auth/login",
        "raw_path": b"/auth/login",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"host", b"test")],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 3000),
        "state": {},
    }
    await app(scope, receive, send)  # type: ignore[arg-type]

    assert sent[0]["type"] == "http.response.start"
    assert sent[0]["status"] == 400
