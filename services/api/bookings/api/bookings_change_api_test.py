"""Changing a booking through the app: cancelling it and moving or renaming it (PATCH)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from litestar.testing import TestClient

from bookings.api.conftest import SlotFactory, TokenFactory
from bookings.api.testing_bookings import create

Client = TestClient[Any]


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
