from __future__ import annotations

import contextlib
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bookings.domain import working_hours
from bookings.domain.errors import DomainError, InvalidHours, UnknownTimeZone
from bookings.domain.working_hours import (
    Schedule,
    WallInterval,
    check_day,
    parse_wall_time,
    time_zone,
    to_instant,
    working_periods,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
BERLIN_SPRING = date(2030, 3, 31)  # 02:00 CET -> 03:00 CEST at 01:00Z
BERLIN_AUTUMN = date(2030, 10, 27)  # 03:00 CEST -> 02:00 CET at 01:00Z
NEW_YORK_SPRING = date(2030, 3, 10)  # 02:00 EST -> 03:00 EDT at 07:00Z
NEW_YORK_AUTUMN = date(2030, 11, 3)  # 02:00 EDT -> 01:00 EST at 06:00Z
MONDAY = date(2030, 1, 7)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def hours(*spans: str) -> list[WallInterval]:
    """Intervals from "HH:MM-HH:MM" texts."""
    intervals = []
    for span in spans:
        start, end = span.split("-")
        intervals.append(
            WallInterval(parse_wall_time(start, is_end=False), parse_wall_time(end, is_end=True))
        )
    return intervals


def minute(clock: str) -> int:
    return parse_wall_time(clock, is_end=True)


def real_length(day: date, span: str, zone: ZoneInfo) -> timedelta:
    [interval] = hours(span)
    start = to_instant(day, interval.start, zone, is_end=False)
    return to_instant(day, interval.end, zone, is_end=True) - start


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


# --- time_zone -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"])
def test_a_known_iana_name_is_a_zone(name: str) -> None:
    assert time_zone(name) is ZoneInfo(name)


HOSTILE_NAMES = [
    "",
    "../../etc/passwd",
    "/etc/localtime",
    "/usr/share/zoneinfo/UTC",
    "Europe/../Europe/Berlin",
    "Europe/Berlin\x00",
    "UTC\x00../../etc/passwd",
    "Europe/Berlin/",
    "europe/berlin",
    "localtime",
    "Factory",
    "posixrules",
    "posix/Europe/Berlin",
    "right/UTC",
    ".",
    "Europe",
    "x" * 10_000,
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_hostile_name_is_refused_without_being_opened(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setattr(working_hours, "ZoneInfo", opened.append)
    with pytest.raises(UnknownTimeZone) as caught:
        time_zone(name)
    assert opened == []
    assert len(caught.value.message) < 120


def test_the_known_names_are_listed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    listings: list[None] = []
    real_listing = zoneinfo.available_timezones

    def counted_listing() -> set[str]:
        listings.append(None)
        return real_listing()

    monkeypatch.setattr(zoneinfo, "available_timezones", counted_listing)
    working_hours._zone_names.cache_clear()
    for name in ["UTC", "Europe/Berlin", "Nowhere/Atlantis", "UTC"]:
        with contextlib.suppress(UnknownTimeZone):
            time_zone(name)
    assert len(listings) == 1


# --- to_instant: the DST rule --------------------------------------------------------------


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


# --- working_periods -----------------------------------------------------------------------


def schedule(
    weekly: dict[int, list[WallInterval]],
    overrides: dict[date, list[WallInterval]] | None = None,
    zone: str = "Europe/Berlin",
) -> Schedule:
    return Schedule(zone=ZoneInfo(zone), weekly=weekly, overrides=overrides or {})


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
