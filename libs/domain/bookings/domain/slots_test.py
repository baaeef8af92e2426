from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bookings.domain.slots import fits, free_slots
from bookings.domain.working_hours import (
    EARLIEST,
    LATEST,
    Schedule,
    WallInterval,
    time_zone,
    working_periods,
)
from bookings.domain.working_hours_test import hours, utc

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
MONDAY = date(2030, 1, 7)  # Berlin is UTC+1 all January
SUNDAY = date(2030, 1, 6)
LONG_AGO = datetime(2029, 1, 1, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


WEEKDAYS_9_TO_5 = {day: hours("09:00-17:00") for day in range(5)}


def schedule(
    weekly: dict[int, list[WallInterval]] | None = None,
    overrides: dict[date, list[WallInterval]] | None = None,
    *,
    zone: str = "Europe/Berlin",
    buffer: timedelta = timedelta(0),
    notice: timedelta = timedelta(0),
) -> Schedule:
    return Schedule(
        zone=ZoneInfo(zone),
        weekly=WEEKDAYS_9_TO_5 if weekly is None else weekly,
        overrides=overrides or {},
        buffer=buffer,
        minimum_notice=notice,
    )


def starts(
    week: Schedule,
    *,
    start: datetime,
    end: datetime,
    busy: list[tuple[datetime, datetime]] | None = None,
    duration: timedelta = 30 * MINUTE,
    step: timedelta | None = None,
    now: datetime = LONG_AGO,
) -> list[datetime]:
    """The slot starts; also checks that each slot lasts `duration` and is given in UTC."""
    slots = free_slots(
        week,
        busy or [],
        start=start,
        end=end,
        duration=duration,
        step=step or duration,
        now=now,
    )
    assert all(e - s == duration and s.tzinfo is UTC and e.tzinfo is UTC for s, e in slots)
    return [s for s, _ in slots]


def every(step: timedelta, first: datetime, last: datetime) -> list[datetime]:
    return [first + k * step for k in range((last - first) // step + 1)]


MONDAY_START, MONDAY_END = utc(2030, 1, 7), utc(2030, 1, 8)


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


# --- bookings, buffers, notice -------------------------------------------------------------


def test_a_booking_takes_its_slots() -> None:
    busy = [(utc(2030, 1, 7, 9), utc(2030, 1, 7, 10))]
    got = starts(schedule(), start=utc(2030, 1, 7, 8), end=utc(2030, 1, 7, 11), busy=busy)
    assert got == [
        utc(2030, 1, 7, 8),
        utc(2030, 1, 7, 8, 30),
        utc(2030, 1, 7, 10),
        utc(2030, 1, 7, 10, 30),
    ]


def test_a_booking_off_the_grid_moves_the_next_slot_to_the_next_grid_point() -> None:
    busy = [(utc(2030, 1, 7, 8, 5), utc(2030, 1, 7, 8, 20))]
    got = starts(schedule(), start=utc(2030, 1, 7, 8), end=utc(2030, 1, 7, 9, 30), busy=busy)
    assert got == [utc(2030, 1, 7, 8, 30), utc(2030, 1, 7, 9)]


def test_a_buffer_keeps_time_free_around_a_booking_touching_is_allowed() -> None:
    week = schedule(buffer=15 * MINUTE)
    busy = [(utc(2030, 1, 7, 10), utc(2030, 1, 7, 11))]  # widened: 09:45Z-11:15Z
    got = starts(
        week, start=utc(2030, 1, 7, 8), end=utc(2030, 1, 7, 12), busy=busy, step=15 * MINUTE
    )
    assert utc(2030, 1, 7, 9, 15) in got  # ends exactly where the widened booking starts
    assert utc(2030, 1, 7, 11, 15) in got  # starts exactly where it ends
    assert [s for s in got if utc(2030, 1, 7, 9, 15) < s < utc(2030, 1, 7, 11, 15)] == []


def test_without_a_buffer_slots_touch_the_booking() -> None:
    busy = [(utc(2030, 1, 7, 10), utc(2030, 1, 7, 11))]
    got = starts(schedule(), start=utc(2030, 1, 7, 9), end=utc(2030, 1, 7, 12), busy=busy)
    assert got == [
        utc(2030, 1, 7, 9),
        utc(2030, 1, 7, 9, 30),
        utc(2030, 1, 7, 11),
        utc(2030, 1, 7, 11, 30),
    ]


def test_a_booking_outside_the_window_blocks_through_its_buffer() -> None:
    week = schedule(buffer=HOUR)
    busy = [(utc(2030, 1, 7, 7), utc(2030, 1, 7, 8))]  # before the hours; widened to 09:00Z
    assert starts(week, start=MONDAY_START, end=MONDAY_END, busy=busy)[0] == utc(2030, 1, 7, 9)
    assert starts(week, start=MONDAY_START, end=MONDAY_END)[0] == utc(2030, 1, 7, 8)


def test_nested_and_overlapping_bookings_block_until_the_latest_end() -> None:
    busy = [
        (utc(2030, 1, 7, 8), utc(2030, 1, 7, 12)),
        (utc(2030, 1, 7, 8, 30), utc(2030, 1, 7, 9)),  # inside the first
        (utc(2030, 1, 7, 11), utc(2030, 1, 7, 13)),
    ]
    got = starts(schedule(), start=MONDAY_START, end=MONDAY_END, busy=busy, duration=HOUR)
    assert got == every(HOUR, utc(2030, 1, 7, 13), utc(2030, 1, 7, 15))


def test_unsorted_bookings_give_the_same_slots() -> None:
    busy = [
        (utc(2030, 1, 7, 14), utc(2030, 1, 7, 15)),
        (utc(2030, 1, 7, 9), utc(2030, 1, 7, 10)),
        (utc(2030, 1, 7, 8), utc(2030, 1, 7, 8, 30)),
    ]
    assert starts(schedule(), start=MONDAY_START, end=MONDAY_END, busy=busy) == starts(
        schedule(), start=MONDAY_START, end=MONDAY_END, busy=sorted(busy)
    )


def test_a_booking_across_midnight_blocks_slots_on_both_days() -> None:
    week = schedule({0: hours("20:00-23:00"), 1: hours("01:00-04:00")})
    busy = [(utc(2030, 1, 7, 21), utc(2030, 1, 8, 1))]  # Monday 22:00 to Tuesday 02:00 local
    got = starts(week, start=utc(2030, 1, 7), end=utc(2030, 1, 9), busy=busy, duration=HOUR)
    assert got == [utc(2030, 1, 7, 19), utc(2030, 1, 7, 20), utc(2030, 1, 8, 1), utc(2030, 1, 8, 2)]


def test_minimum_notice_hides_slots_starting_too_soon() -> None:
    week = schedule(notice=2 * HOUR)
    now = utc(2030, 1, 7, 7, 10)  # 08:10 local: the first slot may start at 10:10, so 10:30
    got = starts(week, start=MONDAY_START, end=MONDAY_END, now=now)
    assert got[0] == utc(2030, 1, 7, 9, 30)
    assert len(got) == 13


def test_without_notice_a_slot_may_start_now() -> None:
    got = starts(schedule(), start=MONDAY_START, end=MONDAY_END, now=utc(2030, 1, 7, 10))
    assert got[0] == utc(2030, 1, 7, 10)


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


# --- fits ----------------------------------------------------------------------------------


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
