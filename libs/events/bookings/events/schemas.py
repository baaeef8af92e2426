"""The wire format of booking events: one envelope `{"id", "eventId", "event", "occurredAt",
"data"}`.

`event` is the tag that picks the schema and names the Redis channel. `eventId` (equal to `id`,
the name every other carrier of an event uses: stream entries, WebSocket frames) is fixed when
the change commits and stays the same on every redelivery: consumers deduplicate on it. Schemas only ever gain
optional fields, so a decoder built from an older schema keeps reading newer events (unknown
fields are ignored, never forbidden).
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import msgspec

from bookings.domain import events as domain


class BookingData(msgspec.Struct, rename="camel", kw_only=True):
    """A booking as events carry it. `id` repeats `bookingId` for older clients."""

    booking_id: UUID
    id: UUID
    provider_id: str
    title: str
    start_time: datetime
    end_time: datetime
    status: str
    version: int | None = None
    reminder_due_at: datetime | None = None


class _Envelope(msgspec.Struct, rename="camel", kw_only=True, tag_field="event"):
    id: UUID
    occurred_at: datetime
    data: BookingData
    event_id: UUID | None = None  # absent from events written before it existed


class BookingCreated(_Envelope, tag="booking.created"):
    pass


class BookingCancelled(_Envelope, tag="booking.cancelled"):
    pass


class BookingRescheduled(_Envelope, tag="booking.rescheduled"):
    pass


class BookingReminder(_Envelope, tag="booking.reminder"):
    pass


Event = BookingCreated | BookingCancelled | BookingRescheduled | BookingReminder

_WIRE_TYPE_OF: dict[type[domain.BookingEvent], type[Event]] = {
    domain.BookingCreated: BookingCreated,
    domain.BookingCancelled: BookingCancelled,
    domain.BookingRescheduled: BookingRescheduled,
    domain.ReminderSent: BookingReminder,
}
CHANNELS: tuple[str, ...] = tuple(str(t.__struct_config__.tag) for t in _WIRE_TYPE_OF.values())


def channel_of(event: Event) -> str:
    return str(type(event).__struct_config__.tag)


def to_wire(event: domain.BookingEvent) -> Event:
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
        reminder_due_at=booking.reminder_due_at.astimezone(UTC),
    )
    wire_type = _WIRE_TYPE_OF[type(event)]
    return wire_type(
        id=event.event_id,
        event_id=event.event_id,
        occurred_at=event.occurred_at.astimezone(UTC),
        data=data,
    )
