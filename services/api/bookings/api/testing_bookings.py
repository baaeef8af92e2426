"""Bookings for the booking routes' tests, made through the app."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

Client = TestClient[Any]


def create(client: Client, headers: dict[str, str], body: dict[str, Any]) -> Any:
    return client.post("/bookings", json=body, headers=headers)
