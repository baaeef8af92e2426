"""Working hours for the tests: intervals from "HH:MM-HH:MM" texts, UTC instants, schedules,
and the dates of the clock changes the tests use."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bookings.domain.working_hours import Schedule, WallInterval, parse_wall_time, to_instant

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


def schedule(
    weekly: dict[int, list[WallInterval]],
    overrides: dict[date, list[WallInterval]] | None = None,
    zone: str = "Europe/Berlin",
) -> Schedule:
    return Schedule(zone=ZoneInfo(zone), weekly=weekly, overrides=overrides or {})
