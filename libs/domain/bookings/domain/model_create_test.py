"""`Booking.create`: a scheduled first version with its reminder due and a BookingCreated event,
or every broken rule reported at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bookings.domain.errors import (
    EndNotAfterStart,
    InvalidBooking,
    NaiveDatetime,
    StartInPast,
    TitleBlank,
)
from bookings.domain.events import BookingCreated
from bookings.domain.model import Booking
from bookings.domain.status import BookingStatus
from bookings.domain.testing_bookings import BOOKING_ID, END, LEAD, NOW, START, new_booking


def test_create_makes_a_scheduled_first_version() -> None:
    booking = new_booking(title="  Haircut  ")
    assert booking.id == BOOKING_ID
    assert booking.provider_id == "p-1"
    assert booking.title == "Haircut"
    assert (booking.start_time, booking.end_time) == (START, END)
    assert booking.status is BookingStatus.SCHEDULED
    assert booking.is_scheduled
    assert booking.version == 1
    assert booking.reminder_due_at == START - LEAD
    assert booking.reminded_at is None
    assert booking.created_at == booking.updated_at == NOW


def test_create_without_an_id_generates_a_fresh_one() -> None:
    def create() -> Booking:
        return Booking.create(
            provider_id="p-1",
            title="t",
            start_time=START,
            end_time=END,
            now=NOW,
            reminder_lead=LEAD,
        )

    assert create().id != create().id


def test_create_records_booking_created_with_a_snapshot() -> None:
    booking = new_booking()
    [event] = booking.events
    assert isinstance(event, BookingCreated)
    assert event.occurred_at == NOW
    assert event.booking == booking.snapshot()
    assert event.booking.booking_id == BOOKING_ID
    assert event.booking.status is BookingStatus.SCHEDULED
    assert event.booking.version == 1
    assert event.booking.reminder_due_at == START - LEAD


def test_create_with_a_reminder_already_past_makes_it_due_now() -> None:
    booking = new_booking(start=NOW + timedelta(minutes=5), end=NOW + timedelta(hours=1))
    assert booking.reminder_due_at == NOW


def test_create_reports_every_broken_rule_at_once() -> None:
    with pytest.raises(InvalidBooking) as caught:
        new_booking(title=" ", start=NOW, end=NOW)
    assert [type(v) for v in caught.value.violations] == [TitleBlank, EndNotAfterStart, StartInPast]
    assert [v.field for v in caught.value.violations] == ["title", "end_time", "start_time"]


def test_create_rejects_naive_times_naming_the_field() -> None:
    with pytest.raises(InvalidBooking) as caught:
        new_booking(end=END.replace(tzinfo=None))
    [violation] = caught.value.violations
    assert isinstance(violation, NaiveDatetime)
    assert violation.field == "end_time"


def test_reminder_is_due_lead_before_a_start_across_dst() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2030, 3, 31, 3, 5, tzinfo=berlin)  # 01:05Z
    booking = new_booking(start=start, end=start + timedelta(hours=1))
    assert booking.reminder_due_at == datetime(2030, 3, 31, 0, 55, tzinfo=UTC)
