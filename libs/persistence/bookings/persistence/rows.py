"""Mapping between table rows and domain objects."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import msgspec
from sqlalchemy import Row

from bookings.domain.events import BookingEvent
from bookings.domain.model import Booking
from bookings.domain.status import BookingStatus
from bookings.events.schemas import channel_of, to_wire


def booking_values(booking: Booking) -> dict[str, Any]:
    return {
        "id": booking.id,
        "provider_id": booking.provider_id,
        "title": booking.title,
        "start_time": booking.start_time,
        "end_time": booking.end_time,
        "status": booking.status.value,
        "version": booking.version,
        "reminder_due_at": booking.reminder_due_at,
        "reminded_at": booking.reminded_at,
        "created_at": booking.created_at,
        "updated_at": booking.updated_at,
    }


def booking_from_row(row: Row[Any]) -> Booking:
    reminded_at = row.reminded_at
    return Booking(
        id=row.id,
        provider_id=row.provider_id,
        title=row.title,
        start_time=row.start_time.astimezone(UTC),
        end_time=row.end_time.astimezone(UTC),
        status=BookingStatus(row.status),
        version=row.version,
        reminder_due_at=row.reminder_due_at.astimezone(UTC),
        reminded_at=reminded_at.astimezone(UTC) if reminded_at is not None else None,
        created_at=row.created_at.astimezone(UTC),
        updated_at=row.updated_at.astimezone(UTC),
    )


def outbox_values(event: BookingEvent) -> dict[str, Any]:
    """An outbox row holding the event exactly as it goes on the wire."""
    wire = to_wire(event)
    return {
        "event_id": event.event_id,
        "event_type": channel_of(wire),
        "payload": msgspec.to_builtins(wire),
        "created_at": event.occurred_at,
    }
