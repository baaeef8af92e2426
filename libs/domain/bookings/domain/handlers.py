"""Synchronous orchestration of the decisions over a unit of work: load, decide, store, commit.

For synchronous callers (the reminder worker, scripts, benchmarks). The API orchestrates the
same decisions asynchronously; no business rule lives in either (see `decisions`).
"""

from __future__ import annotations

from bookings.domain import decisions
from bookings.domain.commands import CancelBooking, ChangeBooking, CreateBooking, SendReminder
from bookings.domain.decisions import Context
from bookings.domain.model import Booking
from bookings.domain.ports import UnitOfWork


def create_booking(command: CreateBooking, uow: UnitOfWork, context: Context) -> Booking:
    booking = decisions.new_booking(command, context)
    with uow:
        uow.bookings.add(booking)
        uow.commit()
    return booking


def cancel_booking(command: CancelBooking, uow: UnitOfWork, context: Context) -> Booking:
    with uow:
        loaded = uow.bookings.get(command.booking_id, for_update=True)
        booking = decisions.cancel(command, loaded, context)
        uow.bookings.save(booking)
        uow.commit()
    return booking


def change_booking(command: ChangeBooking, uow: UnitOfWork, context: Context) -> Booking:
    with uow:
        loaded = uow.bookings.get(command.booking_id, for_update=True)
        booking, changed = decisions.change(command, loaded, context)
        if changed:
            uow.bookings.save(booking)
            uow.commit()
    return booking


def send_reminder(command: SendReminder, uow: UnitOfWork, context: Context) -> Booking | None:
    """Marks the reminder sent, once per booking version; returns the booking so marked, or
    None when the reminder is not owed."""
    with uow:
        reminded = decisions.remind(
            command, uow.bookings.get(command.booking_id, for_update=True), context
        )
        if reminded is None:
            return None
        uow.bookings.save(reminded)
        uow.commit()
    return reminded
