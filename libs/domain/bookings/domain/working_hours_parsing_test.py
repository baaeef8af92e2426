"""Reading working hours: `parse_wall_time` on "HH:MM" texts, and `check_day` on a day's
intervals."""

from __future__ import annotations

import pytest

from bookings.domain import working_hours
from bookings.domain.errors import DomainError, InvalidHours, UnknownTimeZone
from bookings.domain.testing_hours import hours
from bookings.domain.working_hours import WallInterval, check_day, parse_wall_time

# --- parse_wall_time -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"), [("00:00", 0), ("09:30", 570), ("12:05", 725), ("23:59", 1439)]
)
def test_a_time_of_day_is_minutes_after_midnight(text: str, expected: int) -> None:
    assert parse_wall_time(text, is_end=False) == expected
    assert parse_wall_time(text, is_end=True) == expected


def test_24_00_may_end_an_interval() -> None:
    assert parse_wall_time("24:00", is_end=True) == working_hours.MINUTES_PER_DAY


def test_24_00_may_not_start_one() -> None:
    with pytest.raises(InvalidHours, match="24:00 can only end an interval"):
        parse_wall_time("24:00", is_end=False)


@pytest.mark.parametrize(
    "text",
    [
        *["", "9:00", "09:0", "0900", "09:00:00", " 09:00", "09:00\n", "09.00", "ab:cd", "-1:00"],
        *["\u0660\u0669:\u0660\u0660", "\uff10\uff19:\uff10\uff10"],  # Arabic-Indic, full-width
    ],
)
def test_anything_but_hh_mm_is_refused(text: str) -> None:
    with pytest.raises(InvalidHours, match="is not a time of day in the form HH:MM"):
        parse_wall_time(text, is_end=True)


@pytest.mark.parametrize("text", ["24:01", "25:00", "99:00", "12:60", "00:99"])
def test_times_beyond_the_day_are_refused(text: str) -> None:
    with pytest.raises(InvalidHours, match=f"{text} is not a time of day"):
        parse_wall_time(text, is_end=True)


def test_a_huge_input_is_not_echoed_whole() -> None:
    with pytest.raises(InvalidHours) as caught:
        parse_wall_time("9" * 10_000, is_end=False)
    assert len(caught.value.message) < 100


def test_intervals_read_as_they_were_written() -> None:
    # Error messages name intervals this way.
    assert [str(i) for i in hours("00:00-09:30", "09:30-24:00")] == ["00:00-09:30", "09:30-24:00"]


# --- check_day -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [[], hours("09:00-17:00"), hours("09:00-12:00", "12:00-13:00"), hours("00:00-24:00")],
)
def test_sorted_intervals_that_do_not_overlap_are_a_valid_day(day: list[WallInterval]) -> None:
    check_day(day)


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ([WallInterval(780, 720)], "13:00-12:00: the end must be after the start"),
        ([WallInterval(720, 720)], "12:00-12:00: the end must be after the start"),
        ([WallInterval(-5, 60)], "-5 min-01:00: the start must be between 00:00 and 23:59"),
        ([WallInterval(1440, 1440)], "24:00-24:00: the start must be between 00:00 and 23:59"),
        ([WallInterval(60, 1441)], "01:00-1441 min: the end must be 24:00 at the latest"),
        (
            hours("13:00-14:00", "09:00-10:00"),
            "09:00-10:00: must come before 13:00-14:00: sort the intervals by start",
        ),
        (hours("09:00-12:00", "11:00-13:00"), "11:00-13:00: overlaps 09:00-12:00"),
        (hours("09:00-10:00", "09:00-09:30"), "09:00-09:30: overlaps 09:00-10:00"),
    ],
)
def test_an_invalid_day_is_refused_naming_the_interval(
    day: list[WallInterval], message: str
) -> None:
    with pytest.raises(InvalidHours) as caught:
        check_day(day)
    assert caught.value.message == message


def test_invalid_hours_is_a_domain_error() -> None:
    assert issubclass(InvalidHours, DomainError)
    assert issubclass(UnknownTimeZone, DomainError)
