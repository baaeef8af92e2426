"""A listener that stops reading is cut off (1013) once its unsent frames stay over the bound,
while the others keep receiving everything."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from websockets.asyncio.client import connect

from bookings.broadcaster.conftest import Publish, Token, Wire, broadcaster_env
from bookings.broadcaster.process import running
from bookings.broadcaster.server import Broadcaster
from bookings.broadcaster.settings import BroadcasterSettings
from bookings.runtime.env import Env

_BOUND = 64 * 1024


@pytest.fixture
async def strict_broadcaster(redis_url: str) -> AsyncIterator[Broadcaster]:
    env = broadcaster_env(
        redis_url,
        BROADCASTER_MAX_BUFFER_BYTES=str(_BOUND),
        BROADCASTER_SLOW_CLIENT_GRACE_SECONDS="0.3",
    )
    async with running(BroadcasterSettings.from_env(Env(env))) as app:
        await Wire.feed_ready(app.feed)
        yield app


def _small_window_socket(port: int) -> socket.socket:
    # A tiny receive window makes the server's unsent bytes pile up on its side quickly.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.setblocking(False)
    return sock


async def test_listener_that_stops_reading_is_closed_1013_and_others_keep_receiving(
    strict_broadcaster: Broadcaster, token: Token, publish: Publish, wire: type[Wire]
) -> None:
    app = strict_broadcaster
    url = f"ws://127.0.0.1:{app.port}/ws?token={token('root', 'admin')}"
    async with (
        connect(url, sock=_small_window_socket(app.port), max_size=None) as slow,
        connect(url, max_size=None) as healthy,
    ):
        await wire.registered(app, 2)
        slow.transport.pause_reading()
        received: list[str] = []

        async def read_healthy() -> None:
            async for raw in healthy:
                received.append(str(raw)[:60])

        reader = asyncio.create_task(read_healthy())
        published = 0
        async with asyncio.timeout(30):
            while len(app.registry) == 2:
                await publish("prov-a", title="x" * 20_000)
                published += 1
                await asyncio.sleep(0.002)
        for _ in range(20):  # events after the drop still reach the healthy listener
            await publish("prov-a", title="after")
            published += 1
        async with asyncio.timeout(10):
            while len(received) < published:
                await asyncio.sleep(0.01)
        reader.cancel()

        slow.transport.resume_reading()
        assert await wire.close_code(slow, timeout=10) == 1013
        assert "too slow" in (slow.close_reason or "")
    assert len(received) == published
    assert "broadcaster_slow_clients_dropped_total 1.0" in app.metrics.render().decode()
