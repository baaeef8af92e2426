"""Thirty parallel requests for overlapping slots: PostgreSQL lets exactly one through."""

from __future__ import annotations

import asyncio
from collections import Counter

from litestar.testing import AsyncTestClient

from bookings.api.app import create_app
from bookings.api.conftest import SettingsFactory, SlotFactory, TokenFactory

PARALLEL = 30


async def test_parallel_overlapping_creates_yield_one_201_and_409s(
    make_settings: SettingsFactory, auth: TokenFactory, slot: SlotFactory
) -> None:
    headers = auth("racer")
    async with AsyncTestClient(create_app(make_settings())) as client:
        # Each request's slot overlaps every other's: they share the 30 minutes after 600.25 h.
        responses = await asyncio.gather(
            *(
                client.post(
                    "/bookings",
                    json={"title": f"r{i}", **slot(600 + i / 120, 60)},
                    headers=headers,
                )
                for i in range(PARALLEL)
            )
        )
        listed = await client.get("/bookings/upcoming/list", headers=headers)
    statuses = Counter(response.status_code for response in responses)
    assert statuses == {201: 1, 409: PARALLEL - 1}
    winner = next(r.json()["id"] for r in responses if r.status_code == 201)
    assert {r.json()["conflictingBookingId"] for r in responses if r.status_code == 409} <= {
        winner,
        None,
    }
    assert listed.json()["total"] == 1
