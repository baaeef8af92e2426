"""A booking's events: recorded in order, handed over once by `pull_events`, each with a snapshot
that does not change with the booking."""

from __future__ import annotations

from bookings.domain.events import (
    BookingCancelled,
    BookingCreated,
    BookingRescheduled,
    ReminderSent,
)
from bookings.domain.testing_bookings import LATER, LEAD, new_booking


def test_events_are_recorded_in_order_and_pull_empties_them() -> None:
    booking = new_booking()
    booking.change(now=LATER, reminder_lead=LEAD, title="Renamed")
    booking.mark_reminded(now=LATER)
    booking.cancel(now=LATER)
    events = booking.pull_events()
    assert [type(e) for e in events] == [
        BookingCreated,
        BookingRescheduled,
        ReminderSent,
        BookingCancelled,
    ]
    assert [e.booking.version for e in events] == [1, 2, 2, 3]
    assert len({e.event_id for e in events}) == 4
    assert booking.events == []
    assert booking.pull_events() == []


def test_snapshots_do_not_change_with_the_booking() -> None:
    booking = new_booking()
    [created] = booking.pull_events()
    booking.change(now=LATER, reminder_lead=LEAD, title="Renamed")
    assert created.booking.title == "Haircut"
    assert created.booking.version == 1
