"""Catching a resuming listener up: replay what it missed from the stream, then join the live
fan-out with no gap and no duplicate at the seam.

The listener is registered as `replaying` before the replay reads anything, so every entry
appended from then on reaches its `pending` list; entries already in the stream are read by the
replay. Pending frames the replay already sent (id ≤ the last replayed id) are dropped, the rest
are sent, and the listener turns live in the same step that finds `pending` empty, with no await
in between, so no frame can fall through.
"""

from __future__ import annotations

import redis.asyncio as redis
from websockets.asyncio.server import ServerConnection

from bookings.broadcaster import frames, stream_reads
from bookings.broadcaster.metrics import Metrics
from bookings.broadcaster.registry import Listener
from bookings.events import subscriber
from bookings.events.subscriber import StreamId


async def catch_up(
    listener: Listener, after: StreamId, client: redis.Redis, metrics: Metrics, *, batch: int
) -> None:
    """Replays entries after `after` to a listener registered as replaying, then turns it live.

    When entries after `after` were trimmed away (or `after` is unknown to the stream), a
    `resync` frame goes first and the listener continues live from the stream's current end.
    """
    connection = listener.connection
    bounds = await subscriber.retention(client)
    if bounds.missed_since(after):
        metrics.resyncs.inc()
        await connection.send(
            frames.resync(bounds.last_id, "lastEventId is older than the retained history"),
            text=True,
        )
        last_sent = bounds.last_id
    else:
        last_sent = after
        # Entries that are not events are skipped silently: the live feed counts and logs each
        # once, where a replay would repeat that for every listener resuming over it.
        async for read in stream_reads.replay_after(client, after, batch=batch):
            for event in read.events:
                if listener.receives(event):
                    await connection.send(event.payload, text=True)
                    metrics.frames_sent.inc()
                last_sent = event.key
    await _go_live(listener, connection, last_sent, metrics)


async def _go_live(
    listener: Listener, connection: ServerConnection, last_sent: StreamId, metrics: Metrics
) -> None:
    while listener.pending:
        waiting, listener.pending = listener.pending, []
        for event in waiting:
            if event.key > last_sent:
                await connection.send(event.payload, text=True)
                metrics.frames_sent.inc()
                last_sent = event.key
    listener.replaying = False
