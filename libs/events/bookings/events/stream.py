"""The Redis Stream that keeps recent events so listeners can resume after a disconnect.

Every published event is appended here (besides its pub/sub channel). An entry holds the
channel name, the event's `eventId` and the envelope JSON exactly as published; its entry id
(`<ms>-<seq>`, always increasing) is the id that listeners resume from. A redelivered event gets
a new entry id but keeps its `eventId`.
"""

from __future__ import annotations

from dataclasses import dataclass

STREAM_KEY = "bookings:events"
EVENT_FIELD = b"event"
EVENT_ID_FIELD = b"eventId"
DATA_FIELD = b"data"


@dataclass(frozen=True)
class StreamEntry:
    id: str
    event: str  # the channel name, e.g. "booking.created"
    data: bytes  # the envelope JSON
    event_id: str | None = None  # None in entries written before it existed


def entry_fields(event: str, data: bytes, *, event_id: str | None = None) -> dict[bytes, bytes]:
    fields = {EVENT_FIELD: event.encode(), DATA_FIELD: data}
    if event_id is not None:
        fields[EVENT_ID_FIELD] = event_id.encode()
    return fields


def entry_from_redis(entry_id: bytes | str, fields: dict[bytes, bytes]) -> StreamEntry:
    raw_id = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    event_id = fields.get(EVENT_ID_FIELD)
    return StreamEntry(
        id=raw_id,
        event=fields[EVENT_FIELD].decode(),
        data=fields[DATA_FIELD],
        event_id=None if event_id is None else event_id.decode(),
    )
