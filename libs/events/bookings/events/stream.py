"""The Redis Stream that keeps recent events so listeners can resume after a disconnect.

Every published event is appended here (besides its pub/sub channel). An entry holds the event's
type (`event`), `eventId`, `occurredAt`, the `providerId` whose booking it concerns (listeners
are filtered on it) and `data`, the event's data JSON exactly as the outbox keeps it, so a
reader forwards it without decoding it. Its entry id (`<ms>-<seq>`, always increasing) is the
id that listeners resume from. A redelivered event gets a new entry id but keeps its `eventId`.

Entries written by earlier versions have no `occurredAt` field and hold the whole envelope in
`data` (`StreamEntry.is_envelope`); they age out of the stream with its time bound.
"""

from __future__ import annotations

from dataclasses import dataclass

STREAM_KEY = "bookings:events"
EVENT_FIELD = b"event"
EVENT_ID_FIELD = b"eventId"
OCCURRED_AT_FIELD = b"occurredAt"
PROVIDER_ID_FIELD = b"providerId"
DATA_FIELD = b"data"


@dataclass(frozen=True, slots=True)
class StreamEntry:
    id: str
    event: str  # the event type, e.g. "booking.created"
    data: bytes  # the event's data JSON (the envelope JSON when `is_envelope`)
    event_id: str | None = None
    occurred_at: str | None = None
    provider_id: str | None = None

    @property
    def is_envelope(self) -> bool:
        """Whether `data` is a whole envelope, as entries of earlier versions hold it."""
        return self.occurred_at is None


def entry_fields(
    event: str,
    data: bytes,
    *,
    event_id: str | None = None,
    occurred_at: str | None = None,
    provider_id: str | None = None,
) -> dict[bytes, bytes]:
    fields = {EVENT_FIELD: event.encode(), DATA_FIELD: data}
    optional = (
        (EVENT_ID_FIELD, event_id),
        (OCCURRED_AT_FIELD, occurred_at),
        (PROVIDER_ID_FIELD, provider_id),
    )
    for name, value in optional:
        if value is not None:
            fields[name] = value.encode()
    return fields


def entry_from_redis(entry_id: bytes | str, fields: dict[bytes, bytes]) -> StreamEntry:
    raw_id = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    return StreamEntry(
        id=raw_id,
        event=fields[EVENT_FIELD].decode(),
        data=fields[DATA_FIELD],
        event_id=_text(fields.get(EVENT_ID_FIELD)),
        occurred_at=_text(fields.get(OCCURRED_AT_FIELD)),
        provider_id=_text(fields.get(PROVIDER_ID_FIELD)),
    )


def _text(value: bytes | None) -> str | None:
    return None if value is None else value.decode()
