"""The stream feed's life cycle against a real Redis."""

from __future__ import annotations

import asyncio

from bookings.broadcaster.server import build
from bookings.broadcaster.settings import BroadcasterSettings


async def test_stop_ends_the_feed_without_any_cancellation(settings: BroadcasterSettings) -> None:
    # A cancellation can be swallowed by the Redis client mid-read; stop() alone must suffice.
    app = build(settings)
    feed_task = asyncio.create_task(app.feed.run())
    try:
        await asyncio.wait_for(app.feed.wait_ready(), 10)
        app.feed.stop()
        done, _ = await asyncio.wait({feed_task}, timeout=settings.stream_block_ms / 1000 + 5)
        assert feed_task in done
        assert feed_task.exception() is None
    finally:
        feed_task.cancel()
        await asyncio.gather(feed_task, return_exceptions=True)
        await app.client.aclose()
