"""Bad client frames and bad stream entries never crash the server: frames after
authentication are ignored, oversized ones close with 1009, bad entries are skipped."""

from __future__ import annotations

import redis.asyncio as redis
from websockets.asyncio.client import connect

from bookings.broadcaster.conftest import Publish, Token, Wire
from bookings.broadcaster.server import Broadcaster
from bookings.events.stream import STREAM_KEY, entry_fields


async def test_frames_after_authentication_are_ignored(
    ws_url: str, broadcaster: Broadcaster, token: Token, publish: Publish, wire: type[Wire]
) -> None:
    async with connect(f"{ws_url}?token={token('root', 'admin')}") as ws:
        await wire.registered(broadcaster, 1)
        junk_frames: list[str | bytes] = ["not json", '{"type":"auth","token":"x"}', "[]", b"\x00"]
        for junk in junk_frames:
            await ws.send(junk)
        entry_id = await publish("prov-a")
        assert await wire.frames(ws, 1) == [entry_id]


async def test_oversized_frame_closes_1009_and_others_are_unaffected(
    ws_url: str, broadcaster: Broadcaster, token: Token, publish: Publish, wire: type[Wire]
) -> None:
    url = f"{ws_url}?token={token('root', 'admin')}"
    async with connect(url) as rude, connect(url) as polite:
        await wire.registered(broadcaster, 2)
        await rude.send("x" * 100_000)
        assert await wire.close_code(rude) == 1009
        entry_id = await publish("prov-a")
        assert await wire.frames(polite, 1) == [entry_id]


async def test_malformed_stream_entries_are_skipped(
    ws_url: str,
    broadcaster: Broadcaster,
    redis_url: str,
    token: Token,
    publish: Publish,
    wire: type[Wire],
) -> None:
    client = redis.Redis.from_url(redis_url)
    async with connect(f"{ws_url}?token={token('root', 'admin')}") as ws:
        await wire.registered(broadcaster, 1)
        for data in [b"not json", b"[1,2]", b'{"data": 5, "occurredAt": 7}']:
            await client.xadd(STREAM_KEY, entry_fields("booking.created", data))  # type: ignore[arg-type]
        good = await publish("prov-a")
        assert await wire.frames(ws, 1) == [good]
    await client.aclose()
    assert broadcaster.is_ready()
