"""Resuming with `lastEventId`: what was missed is replayed in order, then live frames follow
with no gap and no duplicate at the seam; a trimmed history is announced with `resync`."""

from __future__ import annotations

import asyncio
import json

import redis.asyncio as redis
from websockets.asyncio.client import connect

from bookings.broadcaster.conftest import Publish, Token, Wire
from bookings.broadcaster.server import Broadcaster
from bookings.events.stream import STREAM_KEY


async def test_resume_replays_missed_events_then_continues_live(
    ws_url: str, broadcaster: Broadcaster, token: Token, publish: Publish, wire: type[Wire]
) -> None:
    url = f"{ws_url}?token={token('prov-a', 'provider')}"
    async with connect(url) as ws:
        await wire.registered(broadcaster, 1)
        await publish("prov-a")
        seen = await wire.frames(ws, 1)
    missed = [await publish("prov-a"), await publish("prov-b"), await publish("prov-a")]
    async with connect(f"{url}&lastEventId={seen[-1]}") as ws:
        assert await wire.frames(ws, 2) == [missed[0], missed[2]]
        live = await publish("prov-a")
        assert await wire.frames(ws, 1) == [live]
        assert await wire.silent(ws)


async def test_events_published_during_the_reconnect_arrive_once_and_in_order(
    ws_url: str, broadcaster: Broadcaster, token: Token, publish: Publish, wire: type[Wire]
) -> None:
    resume_from = await publish("prov-a")
    published: list[str] = []

    async def keep_publishing() -> None:
        for _ in range(300):
            published.append(await publish("prov-a"))
            await asyncio.sleep(0.001)

    publisher = asyncio.create_task(keep_publishing())
    await asyncio.sleep(0.05)  # part of the burst lands before the connection, part after
    async with connect(f"{ws_url}?token={token('root', 'admin')}&lastEventId={resume_from}") as ws:
        await publisher
        received = await wire.frames(ws, len(published))
        assert await wire.silent(ws)
    assert received == published


async def test_resume_point_may_come_in_the_auth_message(
    ws_url: str, broadcaster: Broadcaster, token: Token, publish: Publish, wire: type[Wire]
) -> None:
    first = await publish("prov-a")
    second = await publish("prov-a")
    async with connect(ws_url) as ws:
        auth = {"type": "auth", "token": token("prov-a", "provider"), "lastEventId": first}
        await ws.send(json.dumps(auth))
        assert await wire.frames(ws, 1) == [second]


async def test_replay_applies_the_listeners_filter(
    ws_url: str, broadcaster: Broadcaster, token: Token, publish: Publish, wire: type[Wire]
) -> None:
    start = await publish("prov-a")
    others = [await publish("prov-b") for _ in range(3)]
    own = await publish("prov-a")
    async with connect(f"{ws_url}?token={token('prov-a', 'provider')}&lastEventId={start}") as ws:
        assert await wire.frames(ws, 1) == [own]
        assert await wire.silent(ws)
    assert own not in others


async def test_resuming_from_the_latest_id_replays_nothing(
    ws_url: str, broadcaster: Broadcaster, token: Token, publish: Publish, wire: type[Wire]
) -> None:
    latest = await publish("prov-a")
    async with connect(f"{ws_url}?token={token('prov-a', 'provider')}&lastEventId={latest}") as ws:
        assert await wire.silent(ws)
        await wire.registered(broadcaster, 1)
        live = await publish("prov-a")
        assert await wire.frames(ws, 1) == [live]


async def test_id_older_than_the_retained_history_gets_resync_then_live_events(
    ws_url: str,
    broadcaster: Broadcaster,
    redis_url: str,
    token: Token,
    publish: Publish,
    wire: type[Wire],
) -> None:
    ids = [await publish("prov-a") for _ in range(5)]
    client = redis.Redis.from_url(redis_url)
    await client.xtrim(STREAM_KEY, maxlen=2, approximate=False)
    await client.aclose()
    async with connect(f"{ws_url}?token={token('prov-a', 'provider')}&lastEventId={ids[0]}") as ws:
        resync = await wire.frame(ws)
        assert resync["event"] == "resync"
        assert resync["id"] == ids[-1]
        assert "older than the retained history" in resync["data"]["reason"]
        live = await publish("prov-a")
        assert await wire.frames(ws, 1) == [live]
    assert "broadcaster_resyncs_total 1.0" in broadcaster.metrics.render().decode()


async def test_id_the_stream_never_generated_gets_resync(
    ws_url: str, broadcaster: Broadcaster, token: Token, publish: Publish, wire: type[Wire]
) -> None:
    await publish("prov-a")
    future = "99999999999999-0"
    async with connect(f"{ws_url}?token={token('prov-a', 'provider')}&lastEventId={future}") as ws:
        assert (await wire.frame(ws))["event"] == "resync"


async def test_malformed_last_event_id_closes_4400(
    ws_url: str, token: Token, wire: type[Wire]
) -> None:
    async with connect(f"{ws_url}?token={token('prov-a', 'provider')}&lastEventId=yesterday") as ws:
        assert await wire.close_code(ws) == 4400
        assert "lastEventId" in (ws.close_reason or "")
