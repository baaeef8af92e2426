"""Free slots for the tests: a 9-to-5 weekday schedule, the slot starts `free_slots` offers for
it, and evenly spaced instants to compare them with."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bookings.domain.slots import free_slots
from bookings.domain.testing_hours import hours, utc
from bookings.domain.working_hours import Schedule, WallInterval

BERLIN = ZoneInfo("Europe/Berlin")
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
