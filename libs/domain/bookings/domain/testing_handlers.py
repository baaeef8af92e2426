"""The handlers for the tests: actors, and a booking created through `handlers.create_booking`
over the in-memory fakes."""

from __future__ import annotations

from datetime import datetime

from bookings.domain import handlers
from bookings.domain.access import Actor
from bookings.domain.commands import CreateBooking
from bookings.domain.decisions import Context
from bookings.domain.fakes import FakeUnitOfWork
from bookings.domain.model import Booking
from bookings.domain.testing_bookings import END, START

PROVIDER = Actor(id="p-1")
OTHER_PROVIDER = Actor(id="p-2")
ADMIN = Actor(id="admin-1", is_admin=True)


def create(
    uow: FakeUnitOfWork,
    context: Context,
    *,
    actor: Actor = PROVIDER,
    start: datetime = START,
    end: datetime = END,
    provider_id: str | None = None,
) -> Booking:
    command = CreateBooking(
        actor=actor, title="Haircut", start_time=start, end_time=end, provider_id=provider_id
    )
    return handlers.create_booking(command, uow, context)


def event_types(uow: FakeUnitOfWork) -> list[type]:
    return [type(event) for event in uow.committed_events]
