"""One small handler per command: load, ask the aggregate, store, commit.

Entry points (HTTP, jobs) parse input, call a handler with a unit of work, and shape the output;
no business rule lives anywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from bookings.domain.access import Actor
from bookings.domain.commands import (
    CancelBooking,
    ChangeBooking,
    CreateBooking,
    GetBooking,
    ListBookings,
    SendReminder,
)
from bookings.domain.errors import BookingNotFound
from bookings.domain.model import Booking
from bookings.domain.ports import BookingListQuery, Clock, Page, UnitOfWork


@dataclass(frozen=True)
class Context:
    """What handlers need besides storage: the time, and how early reminders go out."""

    clock: Clock
    reminder_lead: timedelta


def create_booking(command: CreateBooking, uow: UnitOfWork, context: Context) -> Booking:
    provider_id = command.actor.provider_to_book_for(command.provider_id)
    booking = Booking.create(
        provider_id=provider_id,
        title=command.title,
        start_time=command.start_time,
        end_time=command.end_time,
        now=context.clock(),
        reminder_lead=context.reminder_lead,
    )
    with uow:
        uow.bookings.add(booking)
        uow.commit()
    return booking


def get_booking(query: GetBooking, uow: UnitOfWork) -> Booking:
    with uow:
        return _visible_booking(uow, query.actor, query.booking_id, for_update=False)


def list_bookings(query: ListBookings, uow: UnitOfWork, context: Context) -> Page[Booking]:
    provider_id = query.actor.provider_filter(query.provider_id)
    storage_query = BookingListQuery(
        period=query.period,
        now=context.clock(),
        offset=(query.page - 1) * query.limit,
        limit=query.limit,
        provider_id=provider_id,
    )
    with uow:
        items, total = uow.bookings.list(storage_query)
    return Page(items=items, total=total, page=query.page, limit=query.limit)


def cancel_booking(command: CancelBooking, uow: UnitOfWork, context: Context) -> Booking:
    with uow:
        booking = _visible_booking(uow, command.actor, command.booking_id, for_update=True)
        booking.cancel(now=context.clock())
        uow.bookings.save(booking)
        uow.commit()
    return booking


def change_booking(command: ChangeBooking, uow: UnitOfWork, context: Context) -> Booking:
    with uow:
        booking = _visible_booking(uow, command.actor, command.booking_id, for_update=True)
        changed = booking.change(
            now=context.clock(),
            reminder_lead=context.reminder_lead,
            title=command.title,
            start_time=command.start_time,
            end_time=command.end_time,
        )
        if changed:
            uow.bookings.save(booking)
            uow.commit()
    return booking


def send_reminder(command: SendReminder, uow: UnitOfWork, context: Context) -> bool:
    """Marks the reminder sent, once per booking version; False when it is not owed."""
    with uow:
        booking = uow.bookings.get(command.booking_id, for_update=True)
        now = context.clock()
        if booking is None or not booking.reminder_is_owed(command.version, now=now):
            return False
        booking.mark_reminded(now=now)
        uow.bookings.save(booking)
        uow.commit()
    return True


def _visible_booking(
    uow: UnitOfWork, actor: Actor, booking_id: UUID, *, for_update: bool
) -> Booking:
    booking = uow.bookings.get(booking_id, for_update=for_update)
    if booking is None or not actor.can_see(booking):
        raise BookingNotFound(booking_id)
    return booking
