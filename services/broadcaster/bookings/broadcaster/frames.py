"""What listeners receive: a stream entry turned into one encoded frame, shared by every
connection it goes to, plus the `resync` frame for listeners whose history was trimmed away.

A frame is built from the entry's fields: its `data` is the event's data JSON as the outbox kept
it, passed through as raw bytes (never decoded or re-encoded), so fields a newer publisher adds
reach listeners unchanged; listeners are filtered on the entry's `providerId`. Each frame
carries the event's `eventId`, the same on every redelivery (listeners deduplicate on it), and
`id`, the stream position to resume from. Entries of earlier versions hold the whole envelope;
only those are decoded, to take it apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import msgspec

from bookings.events.stream import StreamEntry
from bookings.events.subscriber import StreamId, format_stream_id, parse_stream_id

RESYNC = "resync"


class _Envelope(msgspec.Struct, rename="camel"):
    """An envelope as entries of earlier versions hold it."""

    id: str | None = None  # the event's id, as `eventId` is (older envelopes have only `id`)
    occurred_at: str | None = None
    data: msgspec.Raw = msgspec.Raw(b"null")


class _Owner(msgspec.Struct, rename="camel"):
    provider_id: str | None = None


class _Frame(msgspec.Struct, rename="camel", omit_defaults=True, kw_only=True):
    event: str
    id: str
    event_id: str | None = None  # absent from a resync frame, which is no event
    occurred_at: str | None
    data: msgspec.Raw


_envelope_decoder = msgspec.json.Decoder(_Envelope)
_owner_decoder = msgspec.json.Decoder(_Owner)
_encoder = msgspec.json.Encoder()


class MalformedEntry(ValueError):
    """A stream entry whose data is not an event envelope; it is skipped, never sent."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One event ready to send: its metadata for filtering and its frame, encoded once."""

    key: StreamId
    event: str
    provider_id: str | None
    payload: bytes

    @property
    def published_at(self) -> float:
        """When Redis appended the entry (the id's milliseconds), in Unix seconds."""
        return self.key[0] / 1000


def outgoing(entry: StreamEntry) -> Outgoing:
    if entry.is_envelope:
        return _from_envelope(entry)
    frame = _Frame(
        event=entry.event,
        id=entry.id,
        event_id=entry.event_id,
        occurred_at=entry.occurred_at,
        data=msgspec.Raw(entry.data),
    )
    return Outgoing(
        key=parse_stream_id(entry.id),
        event=entry.event,
        provider_id=entry.provider_id,
        payload=_encoder.encode(frame),
    )


def _from_envelope(entry: StreamEntry) -> Outgoing:
    try:
        envelope = _envelope_decoder.decode(entry.data)
    except msgspec.DecodeError as error:
        raise MalformedEntry(f"entry {entry.id}: {error}") from None
    try:
        owner = _owner_decoder.decode(envelope.data)
    except msgspec.ValidationError:
        owner = _Owner()  # not a booking: no owner, so only unfiltered listeners get it
    frame = _Frame(
        event=entry.event,
        id=entry.id,
        occurred_at=envelope.occurred_at,
        data=envelope.data,
        event_id=entry.event_id or envelope.id,
    )
    return Outgoing(
        key=parse_stream_id(entry.id),
        event=entry.event,
        provider_id=owner.provider_id,
        payload=_encoder.encode(frame),
    )


def resync(resume_from: StreamId, reason: str, *, now: datetime | None = None) -> bytes:
    """Tells a listener it missed events that cannot be replayed: refetch state, then resume
    from the frame's `id` (the stream's position when the listener went live)."""
    occurred_at = (now or datetime.now(UTC)).isoformat().replace("+00:00", "Z")
    data = _encoder.encode({"reason": reason})
    frame = _Frame(
        event=RESYNC,
        id=format_stream_id(resume_from),
        occurred_at=occurred_at,
        data=msgspec.Raw(data),
    )
    return _encoder.encode(frame)
