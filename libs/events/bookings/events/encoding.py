"""Encoding events: a booking event's `data` once, when its change commits, and the envelope
around those bytes whenever an event is published.

The envelope takes `data` as raw JSON (`msgspec.Raw`): it is copied, never decoded or encoded
again, so every carrier sends the bytes the outbox keeps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final
from uuid import UUID

import msgspec

from bookings.domain import events as domain
from bookings.events.schemas import EVENT_TYPES, BookingData

_ENCODER: Final = msgspec.json.Encoder()


@dataclass(frozen=True, slots=True)
class EncodedEvent:
    """What the outbox row of an event records about it: its id, type, time and `data`."""

    event_id: UUID
    event_type: str
    occurred_at: datetime
    data: bytes


def encode(event: domain.BookingEvent) -> EncodedEvent:
    booking = event.booking
    data = BookingData(
        booking_id=booking.booking_id,
        id=booking.booking_id,
        provider_id=booking.provider_id,
        title=booking.title,
        start_time=booking.start_time.astimezone(UTC),
        end_time=booking.end_time.astimezone(UTC),
        status=booking.status.value,
        version=booking.version,
    )
    return EncodedEvent(
        event_id=event.event_id,
        event_type=EVENT_TYPES[type(event)],
        occurred_at=event.occurred_at.astimezone(UTC),
        data=_ENCODER.encode(data),
    )


class _Envelope(msgspec.Struct, rename="camel", kw_only=True):
    id: str
    event_id: str
    event: str
    occurred_at: str
    data: msgspec.Raw


def envelope(*, event_type: str, event_id: str, occurred_at: str, data: bytes) -> bytes:
    """The pub/sub message of an event: its metadata around `data`, as is."""
    return _ENCODER.encode(
        _Envelope(
            id=event_id,
            event_id=event_id,
            event=event_type,
            occurred_at=occurred_at,
            data=msgspec.Raw(data),
        )
    )


def timestamp(moment: datetime) -> str:
    """A time as every carrier writes it: ISO 8601 in UTC with `Z`, e.g. `2030-01-01T09:00:00Z`."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
