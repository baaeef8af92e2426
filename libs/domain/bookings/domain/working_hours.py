"""A provider's working hours (weekly wall-clock intervals in an IANA zone) as real instants.

Hours are kept as local wall-clock minutes, because that is how a provider thinks of them
("09:00-17:00 in Berlin"); `working_periods` turns them into UTC periods. The DST rule: a start
is the first instant the clock reads that time or later, and an end is the instant right after
the clock last reads an earlier time, so that an interval covers exactly the real time the clock
spends in it. That is:

- A wall time that does not exist (the clock jumps over it, spring forward) is the instant the
  gap ends, whether it starts or ends an interval: 02:30 on Europe/Berlin's spring-forward day
  (2030-03-31) is 03:00 CEST (01:00Z), not the 03:30 that `fold=0` gives.
- A wall time that exists twice (the clock repeats it, fall back) is its first occurrence as a
  start and its second as an end: on America/New_York's fall-back day (2030-11-03) 00:00-03:00
  lasts 4 h and 00:00-24:00 lasts 25 h; on its spring-forward day 00:00-24:00 lasts 23 h. The
  one exception is an end at the very time the clock turns back to (01:00 in New York, 02:00 in
  Berlin): the clock reads later times just before its second occurrence, so it ends at the
  first, and 00:00-01:00 stays one hour long rather than covering the first pass of 01:xx.
- Midnight itself may fall in a gap (e.g. America/Santiago): the same rule applies.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from bookings.domain.errors import InvalidHours, UnknownTimeZone

MINUTES_PER_DAY = 1440
# Hours are placed in time between these instants only: far from the ends of the calendar, so
# that a day beyond a range, any UTC offset and any buffer stay representable.
EARLIEST = datetime(1000, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)

_WALL_TIME = re.compile(r"([0-9]{2}):([0-9]{2})")
_ONE_DAY = timedelta(days=1)
_ONE_SECOND = timedelta(seconds=1)
# Listed by zoneinfo but not IANA zones: "localtime" is the host's own zone (a symlink to
# /etc/localtime on Debian), "Factory" means "no zone set yet", "posixrules" is a template.
_NOT_ZONES = frozenset({"localtime", "Factory", "posixrules"})


@dataclass(frozen=True)
class WallInterval:
    """Local wall-clock `[start, end)` in minutes after midnight; `end` 1440 is "24:00"."""

    start: int
    end: int

    def __str__(self) -> str:
        return f"{_clock(self.start)}-{_clock(self.end)}"


@dataclass(frozen=True)
class Schedule:
    """When a provider works, and how closely bookings may follow each other and now."""

    zone: ZoneInfo  # the IANA zone its wall-clock hours are in (see `time_zone`)
    weekly: Mapping[int, Sequence[WallInterval]]  # by date.weekday(); a missing day is a day off
    overrides: Mapping[date, Sequence[WallInterval]]  # replace a local date's hours; () = closed
    buffer: timedelta = timedelta(0)  # kept free before and after every scheduled booking
    minimum_notice: timedelta = timedelta(0)  # no slot starts sooner than this from now

    def hours_on(self, day: date) -> Sequence[WallInterval]:
        """The intervals worked on local date `day`: its override, else its weekday's hours."""
        if day in self.overrides:
            return self.overrides[day]
        return self.weekly.get(day.weekday(), ())


def parse_wall_time(text: str, *, is_end: bool) -> int:
    """Minutes after midnight of "HH:MM" (00:00 to 23:59, or 24:00 as an end), or InvalidHours."""
    match = _WALL_TIME.fullmatch(text)
    if match is None:
        raise InvalidHours(f"{_shorten(text)!r} is not a time of day in the form HH:MM")
    hours, minutes = int(match[1]), int(match[2])
    if (hours, minutes) == (24, 0):
        if not is_end:
            raise InvalidHours("24:00 can only end an interval; a day starts at 00:00")
        return MINUTES_PER_DAY
    if hours > 23 or minutes > 59:
        raise InvalidHours(f"{text} is not a time of day (00:00 to 23:59, or 24:00 as an end)")
    return hours * 60 + minutes


def check_day(intervals: Sequence[WallInterval]) -> None:
    """Raises InvalidHours naming the first interval that is out of range, empty or out of order.

    Intervals must be sorted by start and must not overlap; touching is fine (09:00-12:00 and
    12:00-13:00).
    """
    previous: WallInterval | None = None
    for interval in intervals:
        problem = _interval_problem(interval)
        if problem is None and previous is not None:
            if interval.start < previous.start:
                problem = f"must come before {previous}: sort the intervals by start"
            elif interval.start < previous.end:
                problem = f"overlaps {previous}"
        if problem is not None:
            raise InvalidHours(f"{interval}: {problem}")
        previous = interval


def time_zone(name: str) -> ZoneInfo:
    """The IANA zone `name`, or UnknownTimeZone.

    Only names from zoneinfo's own listing are looked up, so that no caller-chosen string (a
    path, "../../etc/passwd", a NUL byte) is ever opened as a file.
    """
    if name not in _zone_names():
        raise UnknownTimeZone(name)
    try:
        return ZoneInfo(name)  # ZoneInfo caches the instances itself
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError) as error:
        raise UnknownTimeZone(name) from error  # listed, yet unreadable (a damaged tzdata)


def to_instant(day: date, minute: int, zone: ZoneInfo, *, is_end: bool) -> datetime:
    """The UTC instant of wall time `minute` of local date `day` (1440 is the next day's 00:00).

    Follows the DST rule of the module docstring: a time in a gap is the instant the gap ends; of
    a repeated time a start takes the first occurrence, an end (mostly) the second.
    """
    day, minute = (day + _ONE_DAY, 0) if minute == MINUTES_PER_DAY else (day, minute)
    wall = datetime.combine(day, time(minute // 60, minute % 60))
    instant = wall.replace(tzinfo=zone, fold=1 if is_end else 0).astimezone(UTC)
    if _wall_clock(instant, zone) != wall:
        return _end_of_gap(wall, zone)
    if is_end and _wall_clock(instant - _ONE_SECOND, zone) > wall:
        # The clock turns back to `wall` at this very instant: it last read an earlier time
        # just before the first occurrence.
        return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    return instant


def working_periods(
    schedule: Schedule, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The UTC periods of working time that overlap `[start, end)`, sorted and merged.

    Periods that touch or overlap are merged first (a night shift 22:00-24:00 followed by
    00:00-06:00 is one period), then those overlapping `[start, end)` are kept, unclipped: a
    caller counts a grid of slots from a period's start. Nothing lies outside [EARLIEST, LATEST).
    """
    start, end = max(start, EARLIEST), min(end, LATEST)
    if start >= end:
        return []
    merged: list[tuple[datetime, datetime]] = []
    for period_start, period_end in sorted(_periods_by_day(schedule, start, end)):
        if merged and period_start <= merged[-1][1]:
            if period_end > merged[-1][1]:
                merged[-1] = (merged[-1][0], period_end)
        else:
            merged.append((period_start, period_end))
    return [(s, e) for s, e in merged if s < end and e > start]


def _periods_by_day(
    schedule: Schedule, start: datetime, end: datetime
) -> Iterator[tuple[datetime, datetime]]:
    """Each interval of each local date around `[start, end)` as UTC instants; empty ones skipped.

    Looks a day beyond each edge: a local date's hours can reach into the next date's UTC
    range (24:00, a zone far from UTC), and the periods touching the window must be merged too.
    """
    zone = schedule.zone
    day = start.astimezone(zone).date() - _ONE_DAY
    last_day = end.astimezone(zone).date() + _ONE_DAY
    while day <= last_day:
        for interval in schedule.hours_on(day):
            period_start = to_instant(day, interval.start, zone, is_end=False)
            period_end = to_instant(day, interval.end, zone, is_end=True)
            if period_end > period_start:  # all in one gap: no real time at all
                yield period_start, period_end
        day += _ONE_DAY


def _end_of_gap(wall: datetime, zone: ZoneInfo) -> datetime:
    """The first instant at which `zone`'s clock reads `wall` or later (`wall` is in a gap).

    fold=1 maps a skipped time with the offset after the jump, landing before it; fold=0 with the
    offset before, landing after it. The jump lies between; tz transitions fall on whole seconds,
    so a bisection over seconds finds it exactly (a one-hour gap takes 12 steps).
    """
    before = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    after = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    low, high = 0, (after - before) // _ONE_SECOND  # the clock is before `wall` at low, not high
    while high - low > 1:
        middle = (low + high) // 2
        if _wall_clock(before + middle * _ONE_SECOND, zone) < wall:
            low = middle
        else:
            high = middle
    return before + high * _ONE_SECOND


@cache
def _zone_names() -> frozenset[str]:
    """The known IANA names; listing them reads the zone directory, so it is done once."""
    return frozenset(
        name
        for name in zoneinfo.available_timezones()
        if name not in _NOT_ZONES and not name.startswith(("posix/", "right/"))
    )


def _wall_clock(instant: datetime, zone: ZoneInfo) -> datetime:
    """What a clock in `zone` reads at `instant` (naive)."""
    return instant.astimezone(zone).replace(tzinfo=None)


def _interval_problem(interval: WallInterval) -> str | None:
    if not 0 <= interval.start < MINUTES_PER_DAY:
        return "the start must be between 00:00 and 23:59"
    if interval.end > MINUTES_PER_DAY:
        return "the end must be 24:00 at the latest"
    if interval.end <= interval.start:
        return "the end must be after the start"
    return None


def _clock(minutes: int) -> str:
    """Minutes as "HH:MM" if within a day, else as a number: error messages show anything."""
    if not 0 <= minutes <= MINUTES_PER_DAY:
        return f"{minutes} min"
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _shorten(text: str) -> str:
    return text if len(text) <= 32 else text[:32] + "..."
