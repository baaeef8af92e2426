"""The Redis Stream that keeps recent events so listeners can resume after a disconnect.

Every published event is appended here (besides its pub/sub channel). An entry holds the
channel name and the envelope JSON exactly as published; its entry id (`<ms>-<seq>`, always
increasing) is the id that listeners resume from.
"""

from __future__ import annotations

from dataclasses import dataclass

STREAM_KEY = "bookings:events"
EVENT_FIELD = b"event"
DATA_FIELD = b"data"


@dataclass(frozen=True)
class StreamEntry:
    id: str
    event: str  # the channel name, e.g. "booking.created"
    data: bytes  # the envelope JSON


def entry_fields(event: str, data: bytes) -> dict[bytes, bytes]:
    return {EVENT_FIELD: event.encode(), DATA_FIELD: data}


def entry_from_redis(entry_id: bytes | str, fields: dict[bytes, bytes]) -> StreamEntry:
    raw_id = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    return StreamEntry(id=raw_id, event=fields[EVENT_FIELD].decode(), data=fields[DATA_FIELD])
