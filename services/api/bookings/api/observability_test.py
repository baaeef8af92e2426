"""Request ids, access logs without secrets, and Prometheus metrics."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from litestar.testing import TestClient

from bookings.api.app import create_app
from bookings.api.conftest import SettingsFactory, SlotFactory, TokenFactory
from bookings.runtime.logs import configure_logging


def test_a_request_id_is_generated_and_echoed(client: TestClient[Any]) -> None:
    first = client.get("/health").headers["x-request-id"]
    second = client.get("/health").headers["x-request-id"]
    assert len(first) >= 16
    assert first != second


def test_a_client_request_id_is_kept(client: TestClient[Any]) -> None:
    response = client.get("/nowhere", headers={"X-Request-ID": "abc-123"})
    assert response.status_code == 404
    assert response.headers["x-request-id"] == "abc-123"


def test_an_unsafe_client_request_id_is_replaced(client: TestClient[Any]) -> None:
    response = client.get("/health", headers={"X-Request-ID": "bad id\twith spaces"})
    assert response.headers["x-request-id"] != "bad id\twith spaces"


def test_json_log_lines_carry_the_request_id_but_no_token_or_body(
    make_settings: SettingsFactory,
    auth: TokenFactory,
    slot: SlotFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", "json", service="api")
    try:
        headers = {**auth("logged"), "X-Request-ID": "req-42"}
        token = headers["Authorization"].split()[1]
        with TestClient(create_app(make_settings())) as client:
            client.post("/bookings", json={"title": "Secret title", **slot(700)}, headers=headers)
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    finally:
        logging.getLogger().handlers.clear()
    access = [line for line in lines if line.get("event") == "request"]
    assert access
    assert access[0]["request_id"] == "req-42"
    assert access[0]["route"] == "/bookings"
    assert access[0]["status"] == 201
    text = json.dumps(lines)
    assert token not in text
    assert "Secret title" not in text


def test_metrics_count_requests_per_route_and_bookings(
    client: TestClient[Any], auth: TokenFactory, slot: SlotFactory
) -> None:
    headers = auth("measured")
    booking = client.post("/bookings", json={"title": "m", **slot(710)}, headers=headers).json()
    client.post(f"/bookings/{booking['id']}/cancel", headers=headers)
    client.get(f"/bookings/{booking['id']}", headers=headers)
    text = client.get("/metrics").text
    assert 'http_requests_total{method="POST",route="/bookings",status="201"} 1.0' in text
    assert 'route="/bookings/{booking_id}",status="200"' in text
    assert "http_request_duration_seconds_bucket" in text
    assert "bookings_created_total 1.0" in text
    assert "bookings_cancelled_total 1.0" in text


def test_a_method_outside_http_is_counted_as_other(client: TestClient[Any]) -> None:
    for method in ("PROPFIND", "X-INVENTED-1", "X-INVENTED-2"):
        assert client.request(method, "/health").status_code == 405
    text = client.get("/metrics").text
    assert 'http_requests_total{method="OTHER",route="unmatched",status="405"} 3.0' in text
    assert "PROPFIND" not in text
    assert "INVENTED" not in text
