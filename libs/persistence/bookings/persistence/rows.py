"""Mapping between domain objects and the parameters and rows of `statements`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC
from typing import Any, TypeVar
from uuid import UUID

from bookings.domain.model import Booking
from bookings.domain.ports import BookingListQuery
from bookings.domain.status import BookingStatus
from bookings.events.encoding import encode
from bookings.persistence import statements

T = TypeVar("T")
# Whatever a caller answers with (the API's response Structs), built from a row's columns in
# the order a statement selects them: reads hand rows straight to it, building no domain object.
RowMaker = Callable[..., T]
# The position of each column of `tables.bookings` in a row.
BOOKING_COLUMNS = 11


def add_values(booking: Booking) -> dict[str, Any]:
    """Parameters of `ADD_BOOKING`: the new booking and its event."""
    return booking_values(booking) | event_values(booking)


def save_values(booking: Booking, loaded_version: int) -> dict[str, Any]:
    """Parameters of `SAVE_BOOKING`: the new values and their event, matched on the version
    that was loaded."""
    values = booking_values(booking) | event_values(booking)
    values["booking_id"] = values.pop("id")
    values["loaded_version"] = loaded_version
    return values


def event_values(booking: Booking) -> dict[str, Any]:
    """The outbox row of the one event a change records, its data encoded once. Taking it
    clears it from the booking."""
    events = booking.pull_events()
    if len(events) != 1:
        raise ValueError(f"a change records one event, this one recorded {len(events)}")
    event = encode(events[0])
    return {
        "event_id": event.event_id,
        "event_type": event.event_type,
        "event_data": event.data,
        "occurred_at": event.occurred_at,
    }


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


def booking_from_row(row: Sequence[Any]) -> Booking:
    """A booking from a row whose first columns are those of `tables.bookings`, in order."""
    (
        booking_id,
        provider_id,
        title,
        start_time,
        end_time,
        status,
        version,
        reminder_due_at,
        reminded_at,
        created_at,
        updated_at,
    ) = row[:BOOKING_COLUMNS]
    return Booking(
        id=booking_id,
        provider_id=provider_id,
        title=title,
        start_time=start_time.astimezone(UTC),
        end_time=end_time.astimezone(UTC),
        status=BookingStatus(status),
        version=version,
        reminder_due_at=reminder_due_at.astimezone(UTC),
        reminded_at=reminded_at.astimezone(UTC) if reminded_at is not None else None,
        created_at=created_at.astimezone(UTC),
        updated_at=updated_at.astimezone(UTC),
    )


def booking_statement(booking_id: UUID, provider_id: str | None) -> tuple[str, dict[str, Any]]:
    """The statement of `statements.BOOKING` that loads one booking, and its parameters;
    `provider_id` narrows the lookup to that provider's bookings (None: any provider's)."""
    params: dict[str, Any] = {"booking_id": booking_id}
    if provider_id is not None:
        params["provider_id"] = provider_id
    return statements.BOOKING[provider_id is not None], params


def list_statement(query: BookingListQuery) -> tuple[str, dict[str, Any]]:
    """The statement of `statements.LISTS` that finds `query`, and its parameters.

    It asks for one row more than the page holds: its presence says that more follow.
    """
    one_provider = query.provider_id is not None
    params: dict[str, Any] = {
        "now": query.now,
        "offset": query.offset,
        "page_limit": query.limit + 1,
        "count_limit": query.count_limit,
    }
    if one_provider:
        params["provider_id"] = query.provider_id
    if query.after is not None:
        params["after_start"] = query.after.start_time
        params["after_id"] = query.after.booking_id
    return statements.LISTS[query.period, one_provider, query.after is not None], params
