"""`to_instant`, the DST rule: where a wall-clock time falls on days the clocks change, checked
case by case and against a minute-by-minute reading of the clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bookings.domain import working_hours
from bookings.domain.testing_hours import (
    BERLIN,
    BERLIN_AUTUMN,
    BERLIN_SPRING,
    MONDAY,
    NEW_YORK,
    NEW_YORK_AUTUMN,
    NEW_YORK_SPRING,
    hours,
    minute,
    real_length,
    schedule,
    utc,
)
from bookings.domain.working_hours import to_instant, working_periods


@pytest.mark.parametrize("is_end", [False, True])
def test_a_skipped_time_is_the_instant_the_gap_ends(is_end: bool) -> None:
    assert to_instant(BERLIN_SPRING, minute("02:30"), BERLIN, is_end=is_end) == utc(2030, 3, 31, 1)
    assert to_instant(BERLIN_SPRING, minute("02:00"), BERLIN, is_end=is_end) == utc(2030, 3, 31, 1)
    spring = to_instant(NEW_YORK_SPRING, minute("02:30"), NEW_YORK, is_end=is_end)
    assert spring == utc(2030, 3, 10, 7)


def test_times_beside_a_gap_are_unchanged() -> None:
    assert to_instant(BERLIN_SPRING, minute("01:59"), BERLIN, is_end=True) == utc(
        2030, 3, 31, 0, 59
    )
    assert to_instant(BERLIN_SPRING, minute("03:00"), BERLIN, is_end=False) == utc(2030, 3, 31, 1)
    assert to_instant(BERLIN_SPRING, minute("03:01"), BERLIN, is_end=False) == utc(
        2030, 3, 31, 1, 1
    )


def test_a_repeated_time_starts_at_its_first_and_ends_at_its_second_occurrence() -> None:
    at = minute("02:30")
    assert to_instant(BERLIN_AUTUMN, at, BERLIN, is_end=False) == utc(2030, 10, 27, 0, 30)
    assert to_instant(BERLIN_AUTUMN, at, BERLIN, is_end=True) == utc(2030, 10, 27, 1, 30)
    at = minute("01:30")
    assert to_instant(NEW_YORK_AUTUMN, at, NEW_YORK, is_end=False) == utc(2030, 11, 3, 5, 30)
    assert to_instant(NEW_YORK_AUTUMN, at, NEW_YORK, is_end=True) == utc(2030, 11, 3, 6, 30)


@pytest.mark.parametrize(
    ("day", "span", "zone", "length"),
    [
        (NEW_YORK_AUTUMN, "00:00-03:00", NEW_YORK, timedelta(hours=4)),
        (NEW_YORK_AUTUMN, "00:00-24:00", NEW_YORK, timedelta(hours=25)),
        (NEW_YORK_AUTUMN, "00:00-01:00", NEW_YORK, timedelta(hours=1)),
        (NEW_YORK_AUTUMN, "01:00-02:00", NEW_YORK, timedelta(hours=2)),
        (NEW_YORK_AUTUMN, "01:30-02:00", NEW_YORK, timedelta(hours=1, minutes=30)),
        (NEW_YORK_SPRING, "00:00-24:00", NEW_YORK, timedelta(hours=23)),
        (NEW_YORK_SPRING, "01:30-03:30", NEW_YORK, timedelta(hours=1)),
        (BERLIN_AUTUMN, "00:00-24:00", BERLIN, timedelta(hours=25)),
        (BERLIN_AUTUMN, "02:00-03:00", BERLIN, timedelta(hours=2)),
        (BERLIN_SPRING, "00:00-24:00", BERLIN, timedelta(hours=23)),
        (BERLIN_SPRING, "02:15-02:45", BERLIN, timedelta(0)),
        (MONDAY, "00:00-24:00", BERLIN, timedelta(hours=24)),
    ],
)
def test_an_interval_lasts_the_real_time_the_clock_spends_in_it(
    day: date, span: str, zone: ZoneInfo, length: timedelta
) -> None:
    assert real_length(day, span, zone) == length


def test_an_end_where_the_clock_turns_back_is_its_first_occurrence() -> None:
    # 02:00 CEST is followed by 02:00-02:59 CEST, then 02:00 CET: a day ending at 02:00 must not
    # take in the first pass of 02:xx, when the clock reads later times.
    assert to_instant(BERLIN_AUTUMN, minute("02:00"), BERLIN, is_end=True) == utc(2030, 10, 27)
    assert to_instant(BERLIN_AUTUMN, minute("02:00"), BERLIN, is_end=False) == utc(2030, 10, 27)
    assert to_instant(BERLIN_AUTUMN, minute("02:01"), BERLIN, is_end=True) == utc(
        2030, 10, 27, 1, 1
    )


def test_a_break_over_the_repeated_hour_is_free_in_both_passes() -> None:
    week = schedule({6: hours("00:00-01:00", "02:00-03:00")}, zone="America/New_York")
    periods = working_periods(week, utc(2030, 11, 3), utc(2030, 11, 4))
    assert periods == [
        (utc(2030, 11, 3, 4), utc(2030, 11, 3, 5)),  # 00:00-01:00 EDT
        (utc(2030, 11, 3, 7), utc(2030, 11, 3, 8)),  # 02:00-03:00 EST
    ]


def test_24_00_is_the_next_days_midnight() -> None:
    assert to_instant(MONDAY, 1440, BERLIN, is_end=True) == utc(2030, 1, 7, 23)
    assert to_instant(date(2030, 12, 31), 1440, ZoneInfo("UTC"), is_end=True) == utc(2031, 1, 1)


def test_a_30_minute_gap_ends_where_the_clock_resumes() -> None:
    lord_howe = ZoneInfo("Australia/Lord_Howe")  # 02:00 +10:30 -> 02:30 +11:00 on 2030-10-06
    at = to_instant(date(2030, 10, 6), minute("02:15"), lord_howe, is_end=False)
    assert at == utc(2030, 10, 5, 15, 30)


@pytest.mark.parametrize(
    ("zone_name", "day", "instant"),
    [
        ("America/Santiago", date(2030, 9, 8), utc(2030, 9, 8, 4)),  # 00:00 -04 -> 01:00 -03
        ("America/Havana", date(2030, 3, 10), utc(2030, 3, 10, 5)),  # 00:00 -05 -> 01:00 -04
    ],
)
def test_a_skipped_midnight_follows_the_same_rule(
    zone_name: str, day: date, instant: datetime
) -> None:
    zone = ZoneInfo(zone_name)
    assert to_instant(day, 0, zone, is_end=False) == instant
    assert to_instant(day - timedelta(days=1), 1440, zone, is_end=True) == instant


def clock_readings(day: date, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """(instant, what the clock reads) for every UTC minute from noon before `day` on."""
    first = datetime.combine(day - timedelta(days=1), time(12), UTC)
    instants = [first + timedelta(minutes=k) for k in range(3 * 1440)]
    return [(u, u.astimezone(zone).replace(tzinfo=None)) for u in instants]


def scanned_instant(
    readings: list[tuple[datetime, datetime]], wall: datetime, *, is_end: bool
) -> datetime:
    """The rule read off the clock: a start is the first instant the clock reads the time or
    later; an end follows the last instant the clock reads an earlier time."""
    if not is_end:
        return next(u for u, clock in readings if clock >= wall)
    return next(u for u, clock in reversed(readings) if clock < wall) + timedelta(minutes=1)


@pytest.mark.parametrize(
    ("zone_name", "day"),
    [
        ("Europe/Berlin", BERLIN_SPRING),
        ("Europe/Berlin", BERLIN_AUTUMN),
        ("America/New_York", NEW_YORK_SPRING),
        ("America/New_York", NEW_YORK_AUTUMN),
        ("Australia/Lord_Howe", date(2030, 10, 6)),
        ("America/Santiago", date(2030, 9, 8)),
    ],
)
def test_to_instant_agrees_with_reading_the_clock(zone_name: str, day: date) -> None:
    zone = ZoneInfo(zone_name)
    readings = clock_readings(day, zone)
    for wall_minute in range(0, working_hours.MINUTES_PER_DAY + 1, 5):
        wall = datetime.combine(day, time()) + timedelta(minutes=wall_minute)
        for is_end in (False, True):
            expected = scanned_instant(readings, wall, is_end=is_end)
            assert to_instant(day, wall_minute, zone, is_end=is_end) == expected
