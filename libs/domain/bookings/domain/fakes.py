"""In-memory fakes at the domain's ports, for service-level tests of the handlers.

Test support only: imported by `*_test.py` files, never by the domain itself. They follow the
contracts that `bookings.persistence` honours with Postgres, so a handler test proves the same
behaviour a real unit of work would show:

- `add`/`save` refuse a scheduled booking that overlaps another scheduled booking of the same
  provider (`BookingConflict` naming it), like the exclusion constraint;
- `save` refuses a booking whose stored row changed since it was loaded, or whose version is
  neither the loaded one (a reminder mark) nor the next (`StaleBooking`);
- nothing reaches the store before `commit`, and leaving the unit of work discards the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from types import TracebackType
from typing import Self
from uuid import UUID

from bookings.domain import rules
from bookings.domain.errors import BookingConflict, StaleBooking
from bookings.domain.events import BookingEvent
from bookings.domain.model import Booking


class FakeClock:
    """A clock that only moves when a test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def _row(booking: Booking) -> Booking:
    """A detached copy, as a database row would be: later changes to `booking` do not leak in."""
    return replace(booking, events=[])


class FakeBookingRepository:
    """`ports.BookingRepository` over a dict of committed rows shared with other units of work."""

    def __init__(self, rows: dict[UUID, Booking]) -> None:
        self._rows = rows
        self._pending: dict[UUID, Booking] = {}
        self._loaded_versions: dict[UUID, int] = {}
        self.seen: list[Booking] = []

    def add(self, booking: Booking) -> None:
        if booking.id in self._visible():
            raise ValueError(f"booking {booking.id} already exists")
        self._check_slot_free(booking)
        self._pending[booking.id] = _row(booking)
        self._loaded_versions[booking.id] = booking.version
        self._see(booking)

    def get(self, booking_id: UUID, *, for_update: bool = False) -> Booking | None:
        row = self._visible().get(booking_id)
        if row is None:
            return None
        booking = _row(row)
        self._loaded_versions[booking_id] = booking.version
        self._see(booking)
        return booking

    def save(self, booking: Booking) -> None:
        loaded = self._loaded_versions.get(booking.id)
        if loaded is None:
            raise ValueError(f"booking {booking.id} was not loaded in this unit of work")
        stored = self._visible().get(booking.id)
        if (
            stored is None
            or stored.version != loaded
            or booking.version not in (loaded, loaded + 1)
        ):
            raise StaleBooking(booking.id)
        self._check_slot_free(booking)
        self._pending[booking.id] = _row(booking)
        self._loaded_versions[booking.id] = booking.version

    def commit(self) -> None:
        self._rows.update(self._pending)
        self._pending.clear()

    def rollback(self) -> None:
        self._pending.clear()
        self._loaded_versions.clear()
        self.seen.clear()

    def _visible(self) -> dict[UUID, Booking]:
        """What this unit of work sees: the committed rows and its own uncommitted writes."""
        return {**self._rows, **self._pending}

    def _check_slot_free(self, booking: Booking) -> None:
        if not booking.is_scheduled:
            return
        for other in self._visible().values():
            if (
                other.id != booking.id
                and other.is_scheduled
                and other.provider_id == booking.provider_id
                and rules.overlaps(
                    booking.start_time, booking.end_time, other.start_time, other.end_time
                )
            ):
                raise BookingConflict(other.id)

    def _see(self, booking: Booking) -> None:
        if all(seen is not booking for seen in self.seen):
            self.seen.append(booking)


class FakeUnitOfWork:
    """`ports.UnitOfWork` in memory; reusable for one transaction after another.

    Pass `rows` of another fake to share its committed state, e.g. to race two writers.
    """

    def __init__(
        self, bookings: Iterable[Booking] = (), *, rows: dict[UUID, Booking] | None = None
    ) -> None:
        self.rows: dict[UUID, Booking] = {} if rows is None else rows
        self.rows.update({booking.id: _row(booking) for booking in bookings})
        self.bookings = FakeBookingRepository(self.rows)
        self.committed_events: list[BookingEvent] = []
        self.commits = 0
        self._active = False

    def __enter__(self) -> Self:
        if self._active:
            raise RuntimeError("unit of work already in progress")
        self._active = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.bookings.rollback()
        self._active = False

    def commit(self) -> None:
        if not self._active:
            raise RuntimeError("commit outside a unit of work")
        for booking in self.bookings.seen:
            self.committed_events.extend(booking.pull_events())
        self.bookings.commit()
        self.commits += 1
