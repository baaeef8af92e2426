"""The stream feed's life cycle against a real Redis: stopping, entries that are not events,
and failures it must recover from while `/health/ready` says whether it is running."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import redis.asyncio as redis
import structlog
from websockets.asyncio.client import connect

from bookings.broadcaster.conftest import Publish, Token, Wire, get
from bookings.broadcaster.process import build
from bookings.broadcaster.server import Broadcaster
from bookings.broadcaster.settings import BroadcasterSettings
from bookings.events.stream import STREAM_KEY


async def test_stop_ends_the_feed_without_any_cancellation(settings: BroadcasterSettings) -> None:
    # A cancellation can be swallowed by the Redis client mid-read; stop() alone must suffice.
    app = build(settings)
    feed_task = asyncio.create_task(app.feed.run())
    try:
        await Wire.feed_ready(app.feed)
        app.feed.stop()
        done, _ = await asyncio.wait({feed_task}, timeout=settings.stream_block_ms / 1000 + 5)
        assert feed_task in done
        assert feed_task.exception() is None
        assert not app.feed.ready
    finally:
        feed_task.cancel()
        await asyncio.gather(feed_task, return_exceptions=True)
        await app.client.aclose()


@pytest.mark.parametrize(
    "fields",
    [{"junk": "1"}, {"event": "booking.created"}, {"data": "{}"}, {"event": b"\xff", "data": "{}"}],
    ids=["unknown-field", "no-data", "no-event", "event-not-utf8"],
)
async def test_entry_that_is_not_an_event_is_skipped_counted_and_logged_once(
    ws_url: str,
    broadcaster: Broadcaster,
    redis_url: str,
    token: Token,
    publish: Publish,
    wire: type[Wire],
    fields: Any,
) -> None:
    before = await publish("prov-a")
    client = redis.Redis.from_url(redis_url)
    url = f"{ws_url}?token={token('root', 'admin')}"
    with structlog.testing.capture_logs() as logs:
        async with connect(url) as first, connect(url) as second:
            await wire.registered(broadcaster, 2)
            await client.xadd(STREAM_KEY, fields)
            good = await publish("prov-a")
            assert await wire.frames(first, 1) == [good]
            assert await wire.frames(second, 1) == [good]
        # A listener resuming from before the junk entry is replayed past it too.
        async with connect(f"{url}&lastEventId={before}") as resuming:
            assert await wire.frames(resuming, 1) == [good]
    await client.aclose()
    skipped = [line for line in logs if line["event"] == "skipped malformed stream entry"]
    assert len(skipped) == 1
    assert "broadcaster_malformed_entries_total 1.0" in broadcaster.metrics.render().decode()
    assert broadcaster.is_ready()


async def test_readiness_is_503_while_the_feed_is_down_and_200_once_it_runs_again(
    ws_url: str,
    broadcaster: Broadcaster,
    token: Token,
    publish: Publish,
    wire: type[Wire],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ready_url = f"http://127.0.0.1:{broadcaster.port}/health/ready"
    reads_failed = asyncio.Event()

    async def broken_read(*args: Any, **kwargs: Any) -> Any:
        # Not a Redis error: a failure the read loop has no handling for.
        reads_failed.set()
        raise RuntimeError("a bug in the read loop")

    async with connect(f"{ws_url}?token={token('root', 'admin')}") as ws:
        await wire.registered(broadcaster, 1)
        monkeypatch.setattr(broadcaster.client, "xread", broken_read)
        await asyncio.wait_for(reads_failed.wait(), 10)
        async with asyncio.timeout(10):
            while (await get(ready_url))[0] != 503:
                await asyncio.sleep(0.05)
        assert "broadcaster_stream_up 0.0" in broadcaster.metrics.render().decode()

        monkeypatch.undo()
        async with asyncio.timeout(15):
            while (await get(ready_url))[0] != 200:
                await asyncio.sleep(0.05)
        live = await publish("prov-a")
        assert await wire.frames(ws, 1) == [live]
    restarts = broadcaster.metrics.registry.get_sample_value("broadcaster_feed_restarts_total")
    assert restarts is not None
    assert restarts >= 1
