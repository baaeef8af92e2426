"""Bookings for the tests, made as the API makes them, and the events that reached Redis."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast
from uuid import UUID, uuid4

import msgspec
import redis

from bookings.domain.access import Actor
from bookings.domain.commands import CancelBooking, ChangeBooking, CreateBooking
from bookings.domain.decisions import Context
from bookings.domain.handlers import cancel_booking, change_booking, create_booking
from bookings.domain.model import Booking
from bookings.events.schemas import BookingData
from bookings.events.stream import STREAM_KEY, entry_from_redis
from bookings.persistence.database import Database
from bookings.persistence.tables import bookings as bookings_table
from bookings.worker.testing_processes import LEAD


class Bookings:
    """Creates and changes bookings the way the API does: a handler and a real transaction."""

    def __init__(self, database: Database) -> None:
        self.database = database
        # An admin books for a provider of each booking's own, so no two bookings overlap.
        self.actor = Actor(id="admin", is_admin=True)

    def context(self) -> Context:
        return Context(clock=lambda: datetime.now(UTC), reminder_lead=LEAD)

    def create(self, due_in: float) -> Booking:
        """A booking whose reminder is due in `due_in` seconds (negative: inside the lead)."""
        start = datetime.now(UTC) + LEAD + timedelta(seconds=due_in)
        end = start + timedelta(minutes=1)
        command = CreateBooking(self.actor, "Checkup", start, end, provider_id=str(uuid4()))
        return self.database.run(lambda uow: create_booking(command, uow, self.context()))

    def move(self, booking: Booking, due_in: float) -> Booking:
        start = datetime.now(UTC) + LEAD + timedelta(seconds=due_in)
        command = ChangeBooking(
            self.actor, booking.id, start_time=start, end_time=start + timedelta(minutes=1)
        )
        return self.database.run(lambda uow: change_booking(command, uow, self.context()))

    def cancel(self, booking: Booking) -> Booking:
        command = CancelBooking(self.actor, booking.id)
        return self.database.run(lambda uow: cancel_booking(command, uow, self.context()))

    def reminded_at(self, booking_id: UUID) -> datetime | None:
        with self.database.engine.connect() as connection:
            statement = bookings_table.select().where(bookings_table.c.id == booking_id)
            row = connection.execute(statement).one()
        reminded: datetime | None = row.reminded_at
        return reminded


@dataclass(frozen=True)
class PublishedEvent:
    """An event as a stream entry carries it: its id, type and decoded data."""

    id: UUID
    event: str
    data: BookingData


class PublishedEvents:
    """What reached the Redis stream (the same data went to pub/sub)."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def all(self) -> list[PublishedEvent]:
        raw = cast(list[tuple[bytes, dict[bytes, bytes]]], self.client.xrange(STREAM_KEY))
        entries = [entry_from_redis(entry_id, fields) for entry_id, fields in raw]
        return [
            PublishedEvent(
                id=UUID(str(entry.event_id)),
                event=entry.event,
                data=msgspec.json.decode(entry.data, type=BookingData),
            )
            for entry in entries
        ]

    def of(self, booking_id: UUID, event: str) -> list[PublishedEvent]:
        return [e for e in self.all() if e.data.booking_id == booking_id and e.event == event]

    def wait_for(self, predicate: Callable[[], object], *, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.05)
