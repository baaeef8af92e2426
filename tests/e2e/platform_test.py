"""End to end over the packaged binaries: migrate, api, worker and broadcaster as processes,
driven the way a client would drive them (HTTP + a raw WebSocket listener)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e.binaries import (
    API_PEX,
    BROADCASTER_PEX,
    MIGRATE_PEX,
    WORKER_PEX,
    Binary,
    run_to_completion,
    wait_until_ok,
)
from websockets.asyncio.client import ClientConnection, connect

from bookings.servers.processes import free_port

REMINDER_LEAD_SECONDS = 2
# A frame that should not come (a duplicate, a replay) comes right behind the expected ones.
QUIET_S = 1.0


@dataclass
class Platform:
    api_url: str
    ws_url: str
    broadcaster: Binary
    broadcaster_env: dict[str, str]
    log_dir: Path

    def restart_broadcaster(self) -> None:
        self.broadcaster = Binary.start(BROADCASTER_PEX, self.broadcaster_env, self.log_dir)
        wait_until_ok(
            self.ws_url.replace("ws://", "http://").replace("/ws", "/health/ready"),
            self.broadcaster,
        )


@pytest.fixture(scope="module")
def platform(
    postgres_url: str, redis_server_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    log_dir = tmp_path_factory.mktemp("logs")
    env = {
        "APP_ENV": "development",
        "DATABASE_URL": postgres_url,
        "REDIS_URL": redis_server_url,
        "REMINDER_LEAD_SECONDS": str(REMINDER_LEAD_SECONDS),
        "HOST": "127.0.0.1",
        "LOG_FORMAT": "json",
    }
    migrated = run_to_completion(MIGRATE_PEX, env)
    assert migrated.returncode == 0, migrated.stderr
    api_port, ws_port = free_port(), free_port()
    # No system time zone data for the API (slim images have none): it uses the tzdata it ships.
    api_env = {**env, "PORT": str(api_port), "PYTHONTZPATH": ""}
    api = Binary.start(API_PEX, api_env, log_dir)
    worker = Binary.start(WORKER_PEX, {**env, "METRICS_PORT": str(free_port())}, log_dir)
    broadcaster_env = {**env, "PORT": str(ws_port)}
    broadcaster = Binary.start(BROADCASTER_PEX, broadcaster_env, log_dir)
    started = [api, worker]
    platform = Platform(
        api_url=f"http://127.0.0.1:{api_port}",
        ws_url=f"ws://127.0.0.1:{ws_port}/ws",
        broadcaster=broadcaster,
        broadcaster_env=broadcaster_env,
        log_dir=log_dir,
    )
    try:
        wait_until_ok(f"{platform.api_url}/health/ready", api)
        wait_until_ok(f"http://127.0.0.1:{ws_port}/health/ready", broadcaster)
        yield platform
    finally:
        for binary in [*started, platform.broadcaster]:
            binary.stop()


class Listener:
    """A WebSocket client that remembers the last event id it saw, to resume after a drop."""

    def __init__(self, ws_url: str, token: str) -> None:
        self.ws_url = ws_url
        self.token = token
        self.last_event_id: str | None = None
        self.connection: ClientConnection | None = None

    async def connect(self) -> None:
        url = f"{self.ws_url}?token={self.token}"
        if self.last_event_id is not None:
            url += f"&lastEventId={self.last_event_id}"
        self.connection = await connect(url)

    async def next_frame(self, timeout: float) -> dict[str, Any]:
        assert self.connection is not None
        frame: dict[str, Any] = json.loads(await asyncio.wait_for(self.connection.recv(), timeout))
        self.last_event_id = frame["id"]
        return frame

    async def frames_until(self, timeout: float, count: int | None = None) -> list[dict[str, Any]]:
        """Every frame received within `timeout` seconds, or the first `count` of them."""
        frames: list[dict[str, Any]] = []
        deadline = asyncio.get_running_loop().time() + timeout
        while len(frames) != count and (left := deadline - asyncio.get_running_loop().time()) > 0:
            try:
                frames.append(await self.next_frame(left))
            except TimeoutError:
                break
        return frames

    async def expect(self, count: int, timeout: float) -> list[dict[str, Any]]:
        """The next `count` frames (waiting up to `timeout`), and any that follow within QUIET_S."""
        frames = await self.frames_until(timeout, count)
        return frames + await self.frames_until(QUIET_S)

    async def close(self) -> None:
        assert self.connection is not None
        await self.connection.close()


async def login(client: httpx.AsyncClient, sub: str) -> str:
    response = await client.post("/auth/login", json={"sub": sub, "roles": ["provider"]})
    assert response.status_code == 200, response.text
    token: str = response.json()["accessToken"]
    return token


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def book(client: httpx.AsyncClient, token: str, start: datetime, end: datetime) -> str:
    response = await client.post(
        "/bookings",
        json={"title": "End to end", "startTime": iso(start), "endTime": iso(end)},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.text
    booking_id: str = response.json()["id"]
    return booking_id


def events_of(frames: list[dict[str, Any]], booking_id: str) -> list[str]:
    return [f["event"] for f in frames if f["data"]["bookingId"] == booking_id]


async def test_a_client_sees_created_reminder_and_cancelled_events_and_resumes_after_a_crash(
    platform: Platform,
) -> None:
    async with httpx.AsyncClient(base_url=platform.api_url, timeout=10) as client:
        token = await login(client, "e2e-provider")
        listener = Listener(platform.ws_url, token)
        await listener.connect()

        # Reminders fall due REMINDER_LEAD_SECONDS before the start: the cancelled booking's
        # in about 4 s (it is cancelled well before), the other's a second later, so a
        # reminder wrongly sent for the cancelled one would come before the expected one.
        soon = datetime.now(UTC) + timedelta(seconds=REMINDER_LEAD_SECONDS + 4)
        cancelled = await book(client, token, soon, soon + timedelta(seconds=1))
        reminded = await book(
            client, token, soon + timedelta(seconds=1), soon + timedelta(seconds=2)
        )
        response = await client.post(
            f"/bookings/{cancelled}/cancel", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200, response.text

        frames = await listener.expect(4, timeout=30)
        assert events_of(frames, reminded) == ["booking.created", "booking.reminder"]
        assert events_of(frames, cancelled) == ["booking.created", "booking.cancelled"]

        # The broadcaster dies hard; a booking is made while it is down; the listener comes
        # back with its last event id and misses nothing, and sees nothing twice.
        platform.broadcaster.kill()
        later = datetime.now(UTC) + timedelta(days=1)
        missed = await book(client, token, later, later + timedelta(hours=1))
        platform.restart_broadcaster()
        await listener.connect()
        after_restart = await listener.expect(1, timeout=30)
        assert [f["event"] for f in after_restart] == ["booking.created"]
        assert after_restart[0]["data"]["bookingId"] == missed
        ids = [f["id"] for f in frames + after_restart]
        assert len(ids) == len(set(ids))
        await listener.close()  # else the broadcaster waits out its close timeout when stopped


async def test_a_provider_s_hours_give_slots_and_its_calendar_app_reads_the_feed(
    platform: Platform,
) -> None:
    async with httpx.AsyncClient(base_url=platform.api_url, timeout=10) as client:
        token = await login(client, "e2e-calendar")
        headers = {"Authorization": f"Bearer {token}"}
        schedule = {
            "timeZone": "America/New_York",
            "weekly": {day: [{"start": "00:00", "end": "24:00"}] for day in _WEEK},
        }
        saved = await client.put("/providers/e2e-calendar/schedule", json=schedule, headers=headers)
        assert saved.status_code == 200, saved.text
        start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
        booking_id = await book(client, token, start, start + timedelta(hours=1))
        window = {"from": iso(start - timedelta(hours=2)), "to": iso(start + timedelta(hours=3))}
        slots = await client.get(
            "/providers/e2e-calendar/slots", params={**window, "duration": 60}, headers=headers
        )
        assert slots.status_code == 200, slots.text
        starts = [slot["start"] for slot in slots.json()["slots"]]
        hours = (-2, -1, 1, 2)  # the booked hour is not offered
        assert starts == [iso(start + timedelta(hours=h)) for h in hours]
        feed = await client.post("/providers/e2e-calendar/calendar-feed", headers=headers)
        assert feed.status_code == 200, feed.text
        served = await client.get(feed.json()["url"])  # no bearer token
        assert served.status_code == 200
        assert served.headers["content-type"] == "text/calendar; charset=utf-8"
        assert f"UID:{booking_id}@" in served.text
        unchanged = await client.get(
            feed.json()["url"], headers={"If-None-Match": served.headers["etag"]}
        )
        assert unchanged.status_code == 304


_WEEK = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
