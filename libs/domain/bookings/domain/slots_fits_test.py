"""`fits`: whether a booking, on or off the grid, lies in working hours clear of the others'
buffers and after the minimum notice."""

from __future__ import annotations

from datetime import datetime

import pytest

from bookings.domain.slots import fits
from bookings.domain.testing_hours import hours, utc
from bookings.domain.testing_slots import HOUR, LONG_AGO, MINUTE, schedule
from bookings.domain.working_hours import Schedule


def fits_monday(
    start: datetime,
    end: datetime,
    *,
    week: Schedule | None = None,
    busy: list[tuple[datetime, datetime]] | None = None,
    now: datetime = LONG_AGO,
) -> bool:
    return fits(week or schedule(), busy or [], start=start, end=end, now=now)


def test_a_booking_inside_the_hours_fits_off_the_grid() -> None:
    assert fits_monday(utc(2030, 1, 7, 8, 7), utc(2030, 1, 7, 8, 52))
    assert fits_monday(utc(2030, 1, 7, 8), utc(2030, 1, 7, 16))  # the whole day


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (utc(2030, 1, 7, 7, 30), utc(2030, 1, 7, 8, 30)),  # starts before the hours
        (utc(2030, 1, 7, 15, 30), utc(2030, 1, 7, 16, 30)),  # ends after them
        (utc(2030, 1, 6, 10), utc(2030, 1, 6, 11)),  # a day off
        (utc(2030, 1, 7, 10), utc(2030, 1, 7, 10)),  # empty
        (utc(2030, 1, 7, 11), utc(2030, 1, 7, 10)),  # backwards
    ],
)
def test_a_booking_outside_the_hours_does_not_fit(start: datetime, end: datetime) -> None:
    assert not fits_monday(start, end)


def test_a_booking_spanning_a_break_does_not_fit() -> None:
    week = schedule({0: hours("09:00-12:00", "13:00-17:00")})
    assert not fits_monday(utc(2030, 1, 7, 10), utc(2030, 1, 7, 13), week=week)


def test_a_booking_across_a_merged_night_shift_fits() -> None:
    week = schedule({0: hours("22:00-24:00"), 1: hours("00:00-06:00")})
    assert fits_monday(utc(2030, 1, 7, 22), utc(2030, 1, 8, 2), week=week)


def test_a_booking_within_the_buffer_of_another_does_not_fit() -> None:
    week = schedule(buffer=15 * MINUTE)
    busy = [(utc(2030, 1, 7, 10), utc(2030, 1, 7, 11))]
    assert not fits_monday(utc(2030, 1, 7, 9), utc(2030, 1, 7, 9, 50), week=week, busy=busy)
    assert not fits_monday(utc(2030, 1, 7, 11, 10), utc(2030, 1, 7, 12), week=week, busy=busy)
    assert fits_monday(utc(2030, 1, 7, 9), utc(2030, 1, 7, 9, 45), week=week, busy=busy)
    assert fits_monday(utc(2030, 1, 7, 11, 15), utc(2030, 1, 7, 12), week=week, busy=busy)


def test_a_booking_too_soon_does_not_fit() -> None:
    week = schedule(notice=HOUR)
    now = utc(2030, 1, 7, 8)
    assert not fits_monday(utc(2030, 1, 7, 8, 59), utc(2030, 1, 7, 10), week=week, now=now)
    assert fits_monday(utc(2030, 1, 7, 9), utc(2030, 1, 7, 10), week=week, now=now)


def test_a_booking_on_new_york_fall_back_day_fits_in_the_25_hours() -> None:
    week = schedule({6: hours("00:00-24:00")}, zone="America/New_York")
    start, end = utc(2030, 11, 3, 4), utc(2030, 11, 4, 5)
    assert fits(week, [], start=start, end=end, now=LONG_AGO)
    assert not fits(week, [], start=start, end=end + MINUTE, now=LONG_AGO)
