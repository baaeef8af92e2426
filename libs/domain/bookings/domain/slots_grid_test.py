"""`free_slots` laying out slots over working hours: the grid of starts, merged periods and 24:00,
and overrides of a day's hours."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bookings.domain.slots import free_slots
from bookings.domain.testing_hours import hours, utc
from bookings.domain.testing_slots import (
    BERLIN,
    HOUR,
    LONG_AGO,
    MINUTE,
    MONDAY,
    MONDAY_END,
    MONDAY_START,
    SUNDAY,
    every,
    schedule,
    starts,
)

# --- the grid ------------------------------------------------------------------------------


def test_a_working_day_is_cut_into_slots() -> None:
    assert starts(schedule(), start=MONDAY_START, end=MONDAY_END) == every(
        30 * MINUTE, utc(2030, 1, 7, 8), utc(2030, 1, 7, 15, 30)
    )


def test_a_day_off_has_no_slots() -> None:
    assert starts(schedule(), start=utc(2030, 1, 5), end=utc(2030, 1, 7)) == []


def test_a_step_smaller_than_the_duration_gives_overlapping_slots() -> None:
    got = starts(schedule(), start=MONDAY_START, end=MONDAY_END, duration=HOUR, step=15 * MINUTE)
    assert got == every(15 * MINUTE, utc(2030, 1, 7, 8), utc(2030, 1, 7, 15))


def test_a_step_larger_than_the_duration_leaves_gaps() -> None:
    got = starts(schedule(), start=MONDAY_START, end=MONDAY_END, duration=30 * MINUTE, step=HOUR)
    assert got == every(HOUR, utc(2030, 1, 7, 8), utc(2030, 1, 7, 15))


def test_a_slot_never_runs_past_the_end_of_the_period() -> None:
    got = starts(schedule(), start=MONDAY_START, end=MONDAY_END, duration=3 * HOUR, step=2 * HOUR)
    assert got == [utc(2030, 1, 7, 8), utc(2030, 1, 7, 10), utc(2030, 1, 7, 12)]  # not 14:00Z


def test_the_grid_is_counted_from_the_period_start_not_the_window() -> None:
    got = starts(
        schedule(), start=utc(2030, 1, 7, 8, 10), end=utc(2030, 1, 7, 11), step=45 * MINUTE
    )
    # 09:00, 09:45, 10:30, 11:15, 12:00 local: 09:10 cuts the first, 12:00 the last
    assert got == [utc(2030, 1, 7, 8, 45), utc(2030, 1, 7, 9, 30), utc(2030, 1, 7, 10, 15)]


def test_the_window_end_cuts_a_slot_that_would_run_past_it() -> None:
    got = starts(schedule(), start=utc(2030, 1, 7, 8), end=utc(2030, 1, 7, 9, 50))
    assert got == [utc(2030, 1, 7, 8), utc(2030, 1, 7, 8, 30), utc(2030, 1, 7, 9)]


def test_the_window_may_be_given_in_any_offset() -> None:
    local_start = datetime(2030, 1, 7, 12, tzinfo=BERLIN)
    got = starts(schedule(), start=local_start, end=local_start + HOUR)
    assert got == [utc(2030, 1, 7, 11), utc(2030, 1, 7, 11, 30)]


@pytest.mark.parametrize(("duration", "step"), [(0 * MINUTE, 15 * MINUTE), (HOUR, 0 * MINUTE)])
def test_a_duration_or_step_that_is_not_positive_is_refused(
    duration: timedelta, step: timedelta
) -> None:
    with pytest.raises(ValueError, match="must be positive"):
        free_slots(
            schedule(),
            [],
            start=MONDAY_START,
            end=MONDAY_END,
            duration=duration,
            step=step,
            now=LONG_AGO,
        )


# --- merged periods, 24:00 -----------------------------------------------------------------


def test_24_00_ends_the_day() -> None:
    week = schedule({0: hours("22:00-24:00")})
    assert starts(week, start=MONDAY_START, end=MONDAY_END, duration=HOUR) == [
        utc(2030, 1, 7, 21),
        utc(2030, 1, 7, 22),
    ]


def test_a_night_shift_is_one_period_and_one_grid_across_midnight() -> None:
    week = schedule({0: hours("22:00-24:00"), 1: hours("00:00-02:00")})
    got = starts(week, start=utc(2030, 1, 7), end=utc(2030, 1, 9), duration=45 * MINUTE)
    # 22:00, 22:45, 23:30 (runs past midnight), 00:15, 01:00 local; 01:45 would end after 02:00
    assert got == every(45 * MINUTE, utc(2030, 1, 7, 21), utc(2030, 1, 8))


def test_touching_intervals_are_one_period() -> None:
    week = schedule({0: hours("09:00-12:00", "12:00-13:00")})
    got = starts(week, start=MONDAY_START, end=MONDAY_END, duration=HOUR, step=45 * MINUTE)
    assert got == every(45 * MINUTE, utc(2030, 1, 7, 8), utc(2030, 1, 7, 11))


# --- overrides -----------------------------------------------------------------------------


def test_an_override_replaces_a_days_hours() -> None:
    week = schedule(overrides={MONDAY: hours("14:00-15:00")})
    assert starts(week, start=MONDAY_START, end=MONDAY_END) == [
        utc(2030, 1, 7, 13),
        utc(2030, 1, 7, 13, 30),
    ]


def test_an_empty_override_closes_a_day() -> None:
    assert starts(schedule(overrides={MONDAY: []}), start=MONDAY_START, end=MONDAY_END) == []


def test_an_override_opens_a_day_off() -> None:
    week = schedule(overrides={SUNDAY: hours("10:00-11:00")})
    got = starts(week, start=utc(2030, 1, 6), end=utc(2030, 1, 7))
    assert got == [utc(2030, 1, 6, 9), utc(2030, 1, 6, 9, 30)]
