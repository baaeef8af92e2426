"""A booking's times for the tests, and bookings made with them by the model alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from bookings.domain.model import Booking

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
START = NOW + timedelta(days=1)
END = START + timedelta(hours=1)
LEAD = timedelta(minutes=10)
LATER = NOW + timedelta(minutes=1)
BOOKING_ID = UUID("00000000-0000-4000-8000-000000000001")


def new_booking(
    *,
    title: str = "Haircut",
    start: datetime = START,
    end: datetime = END,
    now: datetime = NOW,
    lead: timedelta = LEAD,
) -> Booking:
    return Booking.create(
        provider_id="p-1",
        title=title,
        start_time=start,
        end_time=end,
        now=now,
        reminder_lead=lead,
        booking_id=BOOKING_ID,
    )


def settled_booking() -> Booking:
    """A created booking whose creation event was already handed over."""
    booking = new_booking()
    booking.pull_events()
    return booking
