"""`Booking.cancel`: cancelled once, with a new version and a BookingCancelled event."""

from __future__ import annotations

import pytest

from bookings.domain.errors import BookingNotScheduled
from bookings.domain.events import BookingCancelled
from bookings.domain.status import BookingStatus
from bookings.domain.testing_bookings import BOOKING_ID, LATER, settled_booking


def test_cancel_cancels_bumps_the_version_and_records_an_event() -> None:
    booking = settled_booking()
    booking.cancel(now=LATER)
    assert booking.status is BookingStatus.CANCELLED
    assert not booking.is_scheduled
    assert booking.version == 2
    assert booking.updated_at == LATER
    [event] = booking.pull_events()
    assert isinstance(event, BookingCancelled)
    assert event.occurred_at == LATER
    assert event.booking.status is BookingStatus.CANCELLED
    assert event.booking.version == 2


def test_cancel_twice_is_refused() -> None:
    booking = settled_booking()
    booking.cancel(now=LATER)
    booking.pull_events()
    with pytest.raises(BookingNotScheduled) as caught:
        booking.cancel(now=LATER)
    assert caught.value.booking_id == BOOKING_ID
    assert booking.version == 2
    assert booking.events == []
