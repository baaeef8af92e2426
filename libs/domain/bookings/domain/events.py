"""Domain events: what happened to a booking, in the past tense, recorded by the aggregate."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID, uuid4

from bookings.domain.status import BookingStatus


@dataclass(frozen=True)
class BookingSnapshot:
    """The booking as it was right after the change the event records."""

    booking_id: UUID
    provider_id: str
    title: str
    start_time: datetime
    end_time: datetime
    status: BookingStatus
    version: int
    reminder_due_at: datetime


@dataclass(frozen=True)
class BookingEvent:
    booking: BookingSnapshot
    occurred_at: datetime
    event_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True)
class BookingCreated(BookingEvent):
    pass


@dataclass(frozen=True)
class BookingCancelled(BookingEvent):
    pass


@dataclass(frozen=True)
class BookingRescheduled(BookingEvent):
    """The title or the times changed; the reminder follows the new times."""


@dataclass(frozen=True)
class ReminderSent(BookingEvent):
    pass
