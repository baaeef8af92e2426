"""Brute-force oracles for the properties of free slots and `fits` (slots_properties_test.py).

A `Scenario` is what the properties generate; everything lies on a 5-minute grid, so working
time can be listed minute by minute: `working_minutes` builds the set of worked UTC minutes from
each local date's intervals (through `to_instant`, itself checked against a clock scan in
working_hours_dst_test.py), and `brute_force_slots` checks every grid point against every rule.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bookings.domain.slots import free_slots
from bookings.domain.working_hours import Schedule, WallInterval, to_instant

EPOCH = datetime(2030, 1, 1, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
ONE_DAY = timedelta(days=1)

TimeRange = tuple[datetime, datetime]


@dataclass(frozen=True)
class Scenario:
    schedule: Schedule
    busy: list[TimeRange]  # as drawn: not sorted
    start: datetime
    end: datetime
    duration: timedelta
    step: timedelta
    now: datetime

    @property
    def zone(self) -> ZoneInfo:
        return self.schedule.zone

    def free_slots(self) -> list[TimeRange]:
        return free_slots(
            self.schedule,
            self.busy,
            start=self.start,
            end=self.end,
            duration=self.duration,
            step=self.step,
            now=self.now,
        )

    def is_blocked(self, start: datetime, end: datetime) -> bool:
        buffer = self.schedule.buffer
        return any(
            b_start - buffer < end and start < b_end + buffer for b_start, b_end in self.busy
        )

    @property
    def earliest(self) -> datetime:
        return self.now + self.schedule.minimum_notice


def minute_of(instant: datetime) -> int:
    return (instant - EPOCH) // MINUTE


def at(minute: int) -> datetime:
    return EPOCH + minute * MINUTE


def local_dates(s: Scenario) -> Iterator[date]:
    """The local dates whose hours working_periods reads for the scenario's window."""
    day = s.start.astimezone(s.zone).date() - ONE_DAY
    while day <= s.end.astimezone(s.zone).date() + ONE_DAY:
        yield day
        day += ONE_DAY


def hours_on(schedule: Schedule, day: date) -> Sequence[WallInterval]:
    if day in schedule.overrides:
        return schedule.overrides[day]
    return schedule.weekly.get(day.weekday(), [])


def working_minutes(s: Scenario) -> set[int]:
    """Every UTC minute worked, interval by interval of each local date."""
    worked: set[int] = set()
    for day in local_dates(s):
        for interval in hours_on(s.schedule, day):
            first = minute_of(to_instant(day, interval.start, s.zone, is_end=False))
            worked.update(
                range(first, minute_of(to_instant(day, interval.end, s.zone, is_end=True)))
            )
    return worked


def runs(worked: set[int]) -> list[tuple[int, int]]:
    """The maximal `[first, end)` ranges of consecutive minutes: the merged working periods."""
    found: list[tuple[int, int]] = []
    for minute in sorted(worked):
        if found and found[-1][1] == minute:
            found[-1] = (found[-1][0], minute + 1)
        else:
            found.append((minute, minute + 1))
    return found


def brute_force_slots(s: Scenario) -> list[TimeRange]:
    """Every grid point of every period, each checked against every rule on its own."""
    expected = []
    for first, end in runs(working_minutes(s)):
        slot_start = at(first)
        while slot_start + s.duration <= at(end):
            slot_end = slot_start + s.duration
            if (
                slot_start >= s.start
                and slot_end <= s.end
                and slot_start >= s.earliest
                and not s.is_blocked(slot_start, slot_end)
            ):
                expected.append((slot_start, slot_end))
            slot_start += s.step
    return expected


def slot_minutes(slot: TimeRange) -> range:
    return range(minute_of(slot[0]), minute_of(slot[1]))
