"""Publishing events to Redis: each one to its pub/sub channel and to the capped stream.

Both writes of every event in a batch go in one MULTI/EXEC, so a listener never sees an event on
a channel that the stream misses (or the reverse), and a failed batch writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import redis

from bookings.events.encoding import envelope
from bookings.events.stream import STREAM_KEY, entry_fields


@dataclass(frozen=True, slots=True)
class OutgoingEvent:
    event_type: str  # e.g. "booking.created", also the channel
    event_id: str
    occurred_at: str  # as `encoding.timestamp` writes it
    provider_id: str | None  # the owner of the booking, which listeners are filtered on
    data: bytes  # the event's data JSON, sent as is


class EventPublisher:
    """Writes events with `XADD bookings:events MAXLEN ~ N` and `PUBLISH <channel>`."""

    def __init__(self, client: redis.Redis, *, stream_max_length: int) -> None:
        self._client = client
        self._stream_max_length = stream_max_length

    def publish(self, events: Sequence[OutgoingEvent]) -> list[str]:
        """Publishes a batch at once; returns the stream entry ids, in order."""
        if not events:
            return []
        with self._client.pipeline(transaction=True) as pipeline:
            for event in events:
                pipeline.xadd(
                    STREAM_KEY,
                    entry_fields(  # type: ignore[arg-type]
                        event.event_type,
                        event.data,
                        event_id=event.event_id,
                        occurred_at=event.occurred_at,
                        provider_id=event.provider_id,
                    ),
                    maxlen=self._stream_max_length,
                    approximate=True,
                )
                message = envelope(
                    event_type=event.event_type,
                    event_id=event.event_id,
                    occurred_at=event.occurred_at,
                    data=event.data,
                )
                pipeline.publish(event.event_type, message)
            replies = pipeline.execute()
        # Replies alternate: XADD's entry id, then PUBLISH's count of receivers.
        return [_text(reply) for reply in replies[::2]]


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
