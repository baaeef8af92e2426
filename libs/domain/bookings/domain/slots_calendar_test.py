"""Slots on unusual calendar days: the ends of the calendar, and the days the clocks change in
Berlin and New York."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bookings.domain.slots import fits, free_slots
from bookings.domain.testing_hours import hours, utc
from bookings.domain.testing_slots import HOUR, every, schedule, starts
from bookings.domain.working_hours import (
    EARLIEST,
    LATEST,
    Schedule,
    WallInterval,
    time_zone,
    working_periods,
)

# --- the ends of the calendar --------------------------------------------------------------


def test_far_ends_of_the_calendar_have_no_working_hours() -> None:
    always = Schedule(
        time_zone("Etc/GMT+12"), {day: (WallInterval(0, 1440),) for day in range(7)}, {}
    )
    far_past, far_future = datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, tzinfo=UTC)
    assert working_periods(always, far_past, EARLIEST) == []
    assert working_periods(always, LATEST, far_future) == []
    found = free_slots(
        always,
        [],
        start=LATEST - HOUR,
        end=far_future,
        duration=HOUR,
        step=HOUR,
        now=EARLIEST,
    )
    assert found == [(LATEST - HOUR, LATEST)]
    assert not fits(always, [], start=far_future - HOUR, end=far_future, now=EARLIEST)
    assert not fits(always, [], start=LATEST, end=LATEST + HOUR, now=EARLIEST)
    assert fits(always, [], start=LATEST - HOUR, end=LATEST, now=EARLIEST)


# --- DST days ------------------------------------------------------------------------------


def test_berlin_spring_forward_slots() -> None:
    week = schedule(overrides={date(2030, 3, 31): hours("01:00-05:00")})
    got = starts(week, start=utc(2030, 3, 30), end=utc(2030, 4, 1), duration=HOUR)
    assert got == [utc(2030, 3, 31, 0), utc(2030, 3, 31, 1), utc(2030, 3, 31, 2)]  # 01, 03, 04


def test_berlin_a_start_in_the_gap_moves_to_03_00() -> None:
    week = schedule(overrides={date(2030, 3, 31): hours("02:30-04:00")})
    got = starts(week, start=utc(2030, 3, 30), end=utc(2030, 4, 1))
    assert got == [utc(2030, 3, 31, 1), utc(2030, 3, 31, 1, 30)]  # 03:00 and 03:30 CEST


def test_berlin_fall_back_slots_cover_the_repeated_hour_twice() -> None:
    week = schedule(overrides={date(2030, 10, 27): hours("01:00-04:00")})
    got = starts(week, start=utc(2030, 10, 26), end=utc(2030, 10, 28), duration=HOUR)
    assert got == every(HOUR, utc(2030, 10, 26, 23), utc(2030, 10, 27, 2))  # 4 real hours


def test_new_york_fall_back_00_00_to_03_00_is_four_hourly_slots() -> None:
    week = schedule({6: hours("00:00-03:00")}, zone="America/New_York")
    got = starts(week, start=utc(2030, 11, 3), end=utc(2030, 11, 4), duration=HOUR)
    assert got == every(HOUR, utc(2030, 11, 3, 4), utc(2030, 11, 3, 7))


@pytest.mark.parametrize(
    ("day", "count", "first"),
    [(date(2030, 3, 10), 23, utc(2030, 3, 10, 5)), (date(2030, 11, 3), 25, utc(2030, 11, 3, 4))],
)
def test_new_york_whole_dst_days_have_23_and_25_hourly_slots(
    day: date, count: int, first: datetime
) -> None:
    week = schedule({}, {day: hours("00:00-24:00")}, zone="America/New_York")
    got = starts(week, start=first - HOUR, end=first + 2 * 24 * HOUR, duration=HOUR)
    assert got == every(HOUR, first, first + (count - 1) * HOUR)


def test_new_york_spring_forward_start_in_the_gap() -> None:
    week = schedule({6: hours("02:30-04:00")}, zone="America/New_York")
    got = starts(week, start=utc(2030, 3, 10), end=utc(2030, 3, 11))
    assert got == [utc(2030, 3, 10, 7), utc(2030, 3, 10, 7, 30)]  # 03:00 and 03:30 EDT
