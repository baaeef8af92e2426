"""Pings find dead peers, and replicas share nothing but Redis."""

from __future__ import annotations

import asyncio

from websockets.asyncio.client import connect

from bookings.broadcaster.conftest import Publish, Token, Wire, broadcaster_env
from bookings.broadcaster.process import running
from bookings.broadcaster.settings import BroadcasterSettings
from bookings.runtime.env import Env


async def test_peer_that_stops_answering_pings_is_dropped(
    redis_url: str, token: Token, wire: type[Wire]
) -> None:
    env = broadcaster_env(
        redis_url,
        BROADCASTER_PING_INTERVAL_SECONDS="0.2",
        BROADCASTER_PING_TIMEOUT_SECONDS="0.2",
        BROADCASTER_CLOSE_TIMEOUT_SECONDS="0.5",
    )
    async with running(BroadcasterSettings.from_env(Env(env))) as app:
        url = f"ws://127.0.0.1:{app.port}/ws?token={token('root', 'admin')}"
        # The client's own keepalive is off and it stops reading: to the server it is dead.
        async with connect(url, ping_interval=None) as ws:
            await wire.registered(app, 1)
            ws.transport.pause_reading()
            async with asyncio.timeout(5):
                while len(app.registry):
                    await asyncio.sleep(0.05)
            ws.transport.abort()  # the client side is as dead as the server thinks
    assert len(app.registry) == 0


async def test_two_replicas_each_deliver_every_event_to_their_own_listeners(
    redis_url: str, token: Token, publish: Publish, wire: type[Wire]
) -> None:
    settings = BroadcasterSettings.from_env(Env(broadcaster_env(redis_url)))
    async with running(settings) as first, running(settings) as second:
        for app in (first, second):
            await Wire.feed_ready(app.feed)
        secret = token("root", "admin")
        async with (
            connect(f"ws://127.0.0.1:{first.port}/ws?token={secret}") as one,
            connect(f"ws://127.0.0.1:{second.port}/ws?token={secret}") as two,
        ):
            await wire.registered(first, 1)
            await wire.registered(second, 1)
            ids = [await publish("prov-a") for _ in range(3)]
            assert await wire.frames(one, 3) == ids
            assert await wire.frames(two, 3) == ids
