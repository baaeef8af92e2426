"""Publishing events to Redis: each one to its pub/sub channel and to the capped stream.

Both writes of every event in a batch go in one MULTI/EXEC, so a listener never sees an event on
a channel that the stream misses (or the reverse), and a failed batch writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import redis

from bookings.events.stream import STREAM_KEY, entry_fields


@dataclass(frozen=True)
class OutgoingEvent:
    channel: str  # e.g. "booking.created"
    payload: bytes  # the envelope JSON, published as is
    event_id: str | None = None  # the envelope's eventId, repeated in the stream entry


class EventPublisher:
    """Writes events with `XADD bookings:events MAXLEN ~ N` and `PUBLISH <channel>`."""

    def __init__(self, client: redis.Redis, *, stream_max_length: int) -> None:
        self._client = client
        self._stream_max_length = stream_max_length

    def add_to(self, pipeline: redis.client.Pipeline, events: Sequence[OutgoingEvent]) -> None:
        """Queues the writes on a transactional pipeline that the caller executes."""
        for event in events:
            pipeline.xadd(
                STREAM_KEY,
                entry_fields(event.channel, event.payload, event_id=event.event_id),  # type: ignore[arg-type]
                maxlen=self._stream_max_length,
                approximate=True,
            )
            pipeline.publish(event.channel, event.payload)

    def publish(self, events: Sequence[OutgoingEvent]) -> list[str]:
        """Publishes a batch at once; returns the stream entry ids, in order."""
        if not events:
            return []
        with self._client.pipeline(transaction=True) as pipeline:
            self.add_to(pipeline, events)
            replies = pipeline.execute()
        # Replies alternate: XADD's entry id, then PUBLISH's count of receivers.
        return [_text(reply) for reply in replies[::2]]


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
