"""Fixtures for the broadcaster's tests: a real Redis, a broadcaster serving on a free port in
the test's event loop, tokens, and publishing events the way the publisher does."""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import msgspec
import pytest
import redis.asyncio as redis
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from bookings.broadcaster.feed import StreamFeed
from bookings.broadcaster.process import running
from bookings.broadcaster.server import Broadcaster
from bookings.broadcaster.settings import BroadcasterSettings
from bookings.events.encoding import envelope, timestamp
from bookings.events.stream import (
    DATA_FIELD,
    EVENT_ID_FIELD,
    OCCURRED_AT_FIELD,
    STREAM_KEY,
    entry_fields,
)
from bookings.runtime.env import Env

pytest_plugins = ["bookings.testing.pytest_plugin"]

SECRET = "a-test-secret-that-is-long-enough-for-hs256"  # noqa: S105 (tests only)

Publish = Callable[..., Awaitable[str]]
Token = Callable[..., str]


def broadcaster_env(redis_url: str, **overrides: str) -> dict[str, str]:
    return {
        "APP_ENV": "test",
        "REDIS_URL": redis_url,
        "JWT_SECRET": SECRET,
        "JWT_LEEWAY_SECONDS": "0",
        "PORT": "0",
        "BROADCASTER_AUTH_TIMEOUT_SECONDS": "0.5",
        "BROADCASTER_STREAM_BLOCK_MS": "500",
        **overrides,
    }


@pytest.fixture
def settings(redis_url: str) -> BroadcasterSettings:
    return BroadcasterSettings.from_env(Env(broadcaster_env(redis_url)))


@pytest.fixture
async def broadcaster(settings: BroadcasterSettings) -> AsyncIterator[Broadcaster]:
    async with running(settings) as app:
        await Wire.feed_ready(app.feed)
        yield app


@pytest.fixture
def ws_url(broadcaster: Broadcaster) -> str:
    return f"ws://127.0.0.1:{broadcaster.port}/ws"


@pytest.fixture
def token() -> Token:
    """A token as any issuer holding the shared secret mints it: `sub`, `roles`, `iat`, `exp`."""

    def make(
        sub: str,
        *roles: str,
        expired: bool = False,
        secret: str = SECRET,
        lifetime: timedelta = timedelta(hours=1),
    ) -> str:
        issued_at = datetime.now(UTC) - (timedelta(hours=2) if expired else timedelta(0))
        claims = {
            "sub": sub,
            "roles": list(roles),
            "iat": int(issued_at.timestamp()),
            "exp": int((issued_at + lifetime).timestamp()),
        }
        return jwt.encode(claims, secret, algorithm="HS256")

    return make


def event_fields(event: str, provider_id: str, **data: Any) -> dict[bytes, bytes]:
    """The fields of a stream entry of a booking event, as the publisher writes them."""
    booking_id = str(uuid.uuid4())
    booking = {
        "bookingId": booking_id,
        "id": booking_id,
        "providerId": provider_id,
        "title": "Consultation",
        "startTime": "2030-01-01T10:00:00Z",
        "endTime": "2030-01-01T11:00:00Z",
        "status": "scheduled",
        "version": 1,
        **data,
    }
    return entry_fields(
        event,
        msgspec.json.encode(booking),
        event_id=str(uuid.uuid4()),
        occurred_at=timestamp(datetime.now(UTC)),
        provider_id=booking["providerId"],
    )


@pytest.fixture
async def publish(redis_url: str) -> AsyncIterator[Publish]:
    """Appends an event to the stream (and its channel), as the publisher does; returns its id."""
    client = redis.Redis.from_url(redis_url)

    async def append(provider_id: str, event: str = "booking.created", **data: Any) -> str:
        fields = event_fields(event, provider_id, **data)
        entry_id = await client.xadd(STREAM_KEY, fields)  # type: ignore[arg-type]
        message = envelope(
            event_type=event,
            event_id=fields[EVENT_ID_FIELD].decode(),
            occurred_at=fields[OCCURRED_AT_FIELD].decode(),
            data=fields[DATA_FIELD],
        )
        await client.publish(event, message)
        return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)

    yield append
    await client.aclose()


class Wire:
    """Reading what the broadcaster sends, with timeouts so a failing test cannot hang."""

    @staticmethod
    async def frame(ws: ClientConnection, timeout: float = 5.0) -> dict[str, Any]:
        raw = await asyncio.wait_for(ws.recv(), timeout)
        decoded: dict[str, Any] = msgspec.json.decode(raw)
        return decoded

    @staticmethod
    async def frames(ws: ClientConnection, count: int, timeout: float = 5.0) -> list[str]:
        """The ids of the next `count` event frames."""
        return [(await Wire.frame(ws, timeout))["id"] for _ in range(count)]

    @staticmethod
    async def silent(ws: ClientConnection, within: float = 0.3) -> bool:
        try:
            await asyncio.wait_for(ws.recv(), within)
        except TimeoutError:
            return True
        return False

    @staticmethod
    async def close_code(ws: ClientConnection, timeout: float = 5.0) -> int | None:
        """Drains the connection until it closes; the code the server closed it with."""
        async with asyncio.timeout(timeout):
            try:
                async for _ in ws:
                    pass
            except ConnectionClosed:
                pass
        return ws.close_code

    @staticmethod
    async def feed_ready(feed: StreamFeed, timeout: float = 10.0) -> None:
        """Waits until the feed's read loop runs and reaches Redis (what readiness reports)."""
        async with asyncio.timeout(timeout):
            while not feed.ready:
                await asyncio.sleep(0.01)

    @staticmethod
    async def registered(app: Broadcaster, count: int, timeout: float = 5.0) -> None:
        """Waits until `count` listeners are authenticated and joined the fan-out."""
        async with asyncio.timeout(timeout):
            while len(app.registry) < count:
                await asyncio.sleep(0.01)


@pytest.fixture
def wire() -> type[Wire]:
    return Wire


async def get(url: str) -> tuple[int, str, bytes]:
    """A plain HTTP GET on the broadcaster's port: status, content type, body."""

    def fetch() -> tuple[int, str, bytes]:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (our server)
                return response.status, response.headers["Content-Type"], response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers["Content-Type"], error.read()

    return await asyncio.to_thread(fetch)
