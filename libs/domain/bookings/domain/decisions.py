"""What each command decides, as pure functions of the command and what storage loaded.

Two sides orchestrate them: `handlers` (synchronous, over a unit of work: the worker and
scripts) and the API's asynchronous command runner. Each side only loads, calls one decision and
stores; every rule lives here, in the aggregate or in `access`, once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar
from uuid import UUID

from bookings.domain.access import Actor
from bookings.domain.commands import (
    CancelBooking,
    ChangeBooking,
    CreateBooking,
    ListBookings,
    ListPosition,
    SendReminder,
)
from bookings.domain.errors import BookingNotFound
from bookings.domain.model import Booking
from bookings.domain.ports import BookingListQuery, Clock, Found, Page

T = TypeVar("T")

# A list counts its matches up to this many past the page's offset: enough for any pager, and
# a page of a provider with 50,000 bookings costs what a page of one with 1,000 does.
COUNTED_PAST_OFFSET = 1_000


@dataclass(frozen=True)
class Context:
    """What decisions need besides the loaded state: the time, and how early reminders go out."""

    clock: Clock
    reminder_lead: timedelta


def new_booking(command: CreateBooking, context: Context) -> Booking:
    """The booking to add, its `BookingCreated` event recorded."""
    return Booking.create(
        provider_id=command.actor.provider_to_book_for(command.provider_id),
        title=command.title,
        start_time=command.start_time,
        end_time=command.end_time,
        now=context.clock(),
        reminder_lead=context.reminder_lead,
    )


def visible(actor: Actor, booking_id: UUID, loaded: Booking | None) -> Booking:
    """The loaded booking if the actor may see it; BookingNotFound otherwise (nothing leaks)."""
    if loaded is None or not actor.can_see(loaded):
        raise BookingNotFound(booking_id)
    return loaded


def cancel(command: CancelBooking, loaded: Booking | None, context: Context) -> Booking:
    booking = visible(command.actor, command.booking_id, loaded)
    booking.cancel(now=context.clock())
    return booking


def change(
    command: ChangeBooking, loaded: Booking | None, context: Context
) -> tuple[Booking, bool]:
    """The booking with the change applied, and whether anything changed (else store nothing)."""
    booking = visible(command.actor, command.booking_id, loaded)
    changed = booking.change(
        now=context.clock(),
        reminder_lead=context.reminder_lead,
        title=command.title,
        start_time=command.start_time,
        end_time=command.end_time,
    )
    return booking, changed


def remind(command: SendReminder, loaded: Booking | None, context: Context) -> Booking | None:
    """The booking marked reminded when its reminder is owed (once per version); else None."""
    now = context.clock()
    if loaded is None or not loaded.reminder_is_owed(command.version, now=now):
        return None
    loaded.mark_reminded(now=now)
    return loaded


def list_query(query: ListBookings, context: Context) -> BookingListQuery:
    """What storage must find for a list request (raises Forbidden for another's list)."""
    offset = 0 if query.after is not None else (query.page - 1) * query.limit
    return BookingListQuery(
        period=query.period,
        now=context.clock(),
        offset=offset,
        limit=query.limit,
        provider_id=query.actor.provider_filter(query.provider_id),
        after=query.after,
        count_limit=offset + COUNTED_PAST_OFFSET + 1,
    )


def page_of(
    query: ListBookings,
    storage_query: BookingListQuery,
    found: Found[T],
    position_of: Callable[[T], ListPosition],
) -> Page[T]:
    """The page to answer with: `total` is exact below the count limit, a lower bound above."""
    return Page(
        items=found.items,
        total=found.counted,
        total_exact=found.counted < storage_query.count_limit,
        page=query.page,
        limit=query.limit,
        next_after=position_of(found.items[-1]) if found.more and found.items else None,
    )
