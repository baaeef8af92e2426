"""The wire format of booking events.

Every carrier of an event wraps the same `data`, the booking as `BookingData` encodes it, with
the event's metadata: the pub/sub message is the envelope `{"id", "eventId", "event",
"occurredAt", "data"}`; the stream entry keeps the parts as fields (see `stream.py`); the
WebSocket frame is built from those. `event` is the type (`booking.created`, ...) and names the
Redis channel. `eventId` (equal to `id`, the name every other carrier uses) is fixed when the
change commits and stays the same on every redelivery: consumers deduplicate on it.

`data` is encoded once, when its change commits (`encoding.encode`), and travels as those bytes
from the outbox to every listener. Schemas only ever gain optional fields, so a consumer that
ignores unknown fields keeps reading events of newer versions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final
from uuid import UUID

import msgspec

from bookings.domain import events as domain


class BookingData(msgspec.Struct, rename="camel", kw_only=True):
    """A booking as events carry it. `id` repeats `bookingId` for older clients. `version` is
    the booking's version after the change: 1 when created, one more per reschedule or cancel;
    a reminder carries the version it reminds of. A consumer that may receive a booking's
    events out of order (webhook retries) keeps the highest version it has seen."""

    booking_id: UUID
    id: UUID
    provider_id: str
    title: str
    start_time: datetime
    end_time: datetime
    status: str
    version: int


EVENT_TYPES: Final[dict[type[domain.BookingEvent], str]] = {
    domain.BookingCreated: "booking.created",
    domain.BookingCancelled: "booking.cancelled",
    domain.BookingRescheduled: "booking.rescheduled",
    domain.ReminderSent: "booking.reminder",
}
CHANNELS: Final[tuple[str, ...]] = tuple(EVENT_TYPES.values())
CREATED, CANCELLED, RESCHEDULED, REMINDER = CHANNELS
