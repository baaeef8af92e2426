"""`working_periods`: a schedule's hours as merged UTC periods overlapping a window, with its
overrides and across midnight and the clock changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bookings.domain.testing_hours import BERLIN_SPRING, MONDAY, hours, schedule, utc
from bookings.domain.working_hours import working_periods


def test_periods_are_the_hours_in_utc() -> None:
    week = schedule({0: hours("09:00-12:00", "13:00-17:00")})
    periods = working_periods(week, utc(2030, 1, 7), utc(2030, 1, 8))
    assert periods == [
        (utc(2030, 1, 7, 8), utc(2030, 1, 7, 11)),
        (utc(2030, 1, 7, 12), utc(2030, 1, 7, 16)),
    ]
    assert all(p.tzinfo is UTC for period in periods for p in period)


def test_touching_intervals_are_one_period() -> None:
    week = schedule({0: hours("09:00-12:00", "12:00-13:00")})
    periods = working_periods(week, utc(2030, 1, 7), utc(2030, 1, 8))
    assert periods == [(utc(2030, 1, 7, 8), utc(2030, 1, 7, 12))]


def test_a_night_shift_across_midnight_is_one_period() -> None:
    week = schedule({0: hours("22:00-24:00"), 1: hours("00:00-06:00")})
    periods = working_periods(week, utc(2030, 1, 8, 1), utc(2030, 1, 8, 2))
    assert periods == [(utc(2030, 1, 7, 21), utc(2030, 1, 8, 5))]  # not clipped to the window


def test_only_periods_overlapping_the_window_are_returned() -> None:
    week = schedule({d: hours("09:00-10:00") for d in range(7)})
    window = (utc(2030, 1, 8, 8, 30), utc(2030, 1, 9, 8))  # ends where Wednesday's starts
    assert working_periods(week, *window) == [(utc(2030, 1, 8, 8), utc(2030, 1, 8, 9))]


def test_the_window_may_be_given_in_any_offset() -> None:
    week = schedule({0: hours("09:00-10:00")})
    start = datetime(2030, 1, 7, 0, 0, tzinfo=ZoneInfo("Pacific/Kiritimati"))  # +14: Sunday 10:00Z
    assert working_periods(week, start, start + timedelta(days=1)) == [
        (utc(2030, 1, 7, 8), utc(2030, 1, 7, 9))
    ]


def test_an_override_replaces_the_days_hours() -> None:
    week = schedule({0: hours("09:00-17:00")}, {MONDAY: hours("10:00-11:00")})
    periods = working_periods(week, utc(2030, 1, 7), utc(2030, 1, 8))
    assert periods == [(utc(2030, 1, 7, 9), utc(2030, 1, 7, 10))]


def test_an_empty_override_closes_the_day() -> None:
    week = schedule({0: hours("09:00-17:00")}, {MONDAY: []})
    assert working_periods(week, utc(2030, 1, 7), utc(2030, 1, 8)) == []


def test_an_override_opens_a_day_off() -> None:
    sunday = date(2030, 1, 6)
    week = schedule({0: hours("09:00-17:00")}, {sunday: hours("10:00-12:00")})
    periods = working_periods(week, utc(2030, 1, 6), utc(2030, 1, 7))
    assert periods == [(utc(2030, 1, 6, 9), utc(2030, 1, 6, 11))]


def test_an_interval_wholly_in_a_gap_is_no_period() -> None:
    week = schedule({}, {BERLIN_SPRING: hours("02:15-02:45", "05:00-06:00")})
    periods = working_periods(week, utc(2030, 3, 31), utc(2030, 4, 1))
    assert periods == [(utc(2030, 3, 31, 3), utc(2030, 3, 31, 4))]


def test_a_whole_fall_back_day_is_one_25_hour_period() -> None:
    week = schedule({6: hours("00:00-24:00")}, zone="America/New_York")
    [(start, end)] = working_periods(week, utc(2030, 11, 3, 12), utc(2030, 11, 3, 13))
    assert (start, end - start) == (utc(2030, 11, 3, 4), timedelta(hours=25))
