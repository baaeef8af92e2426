"""Properties of free slots and `fits`, checked against brute-force oracles (hypothesis).

Everything is generated on a 5-minute grid, so working time can be listed minute by minute: the
oracle builds the set of working minutes from each local date's intervals (through `to_instant`,
itself checked against a clock scan in working_hours_dst_test.py) and, in UTC, reads the wall
clock. The oracles are in testing_slot_oracles.py; the scenarios and the properties are here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bookings.domain.slots import fits
from bookings.domain.testing_slot_oracles import (
    MINUTE,
    ONE_DAY,
    Scenario,
    at,
    brute_force_slots,
    hours_on,
    minute_of,
    runs,
    slot_minutes,
    working_minutes,
)
from bookings.domain.working_hours import MINUTES_PER_DAY, Schedule, WallInterval, check_day

ZONES = ["UTC", "Europe/Berlin", "America/New_York"]
# Saturdays before Berlin's and New York's clock changes: windows start up to 36 h later.
BASES = [date(2030, 3, 9), date(2030, 3, 30), date(2030, 10, 26), date(2030, 11, 2)]
PROPERTY = settings(max_examples=100, deadline=None)


def minutes(low: int, high: int) -> st.SearchStrategy[int]:
    """Multiples of 5 in [low, high]."""
    return st.integers(low // 5, high // 5).map(lambda k: k * 5)


@st.composite
def days(draw: st.DrawFn) -> list[WallInterval]:
    """Valid hours for one day: consecutive segments between sorted boundaries, some worked."""
    bounds = sorted(
        draw(st.lists(minutes(0, MINUTES_PER_DAY), min_size=2, max_size=7, unique=True))
    )
    worked = draw(st.lists(st.booleans(), min_size=len(bounds) - 1, max_size=len(bounds) - 1))
    day = [WallInterval(a, b) for (a, b), w in zip(pairwise(bounds), worked, strict=True) if w]
    check_day(day)
    return day


whole_day = st.just([WallInterval(0, MINUTES_PER_DAY)])


@st.composite
def scenarios(draw: st.DrawFn, zones: Sequence[str] = ZONES) -> Scenario:
    zone_name = draw(st.sampled_from(zones))
    base = datetime.combine(draw(st.sampled_from(BASES)), datetime.min.time(), UTC)
    start = base + draw(minutes(0, 36 * 60)) * MINUTE
    length = draw(minutes(5, 3 * MINUTES_PER_DAY))
    end = start + length * MINUTE
    weekly = {
        weekday: hours
        for weekday in range(7)
        if (hours := draw(st.one_of(st.none(), days(), whole_day))) is not None
    }
    override_days = st.dates(base.date() - ONE_DAY, base.date() + 5 * ONE_DAY)
    overrides = draw(st.dictionaries(override_days, st.one_of(days(), st.just([])), max_size=2))
    busy = []
    for _ in range(draw(st.integers(0, 8))):
        booking_start = start + draw(minutes(-MINUTES_PER_DAY, length + 360)) * MINUTE
        lasting = draw(st.one_of(minutes(5, 180), minutes(5, MINUTES_PER_DAY))) * MINUTE
        busy.append((booking_start, booking_start + lasting))
    schedule = Schedule(
        zone=ZoneInfo(zone_name),
        weekly=weekly,
        overrides=overrides,
        buffer=draw(st.sampled_from([0, 5, 15, 60])) * MINUTE,
        minimum_notice=draw(st.sampled_from([0, 30, 120, MINUTES_PER_DAY])) * MINUTE,
    )
    return Scenario(
        schedule=schedule,
        busy=busy,
        start=start,
        end=end,
        duration=draw(minutes(5, 240)) * MINUTE,
        step=draw(minutes(5, 240)) * MINUTE,
        now=start + draw(minutes(-2 * MINUTES_PER_DAY, 12 * 60)) * MINUTE,
    )


@PROPERTY
@given(scenarios())
def test_no_slot_overlaps_a_booking_widened_by_the_buffer(s: Scenario) -> None:
    assert not any(s.is_blocked(*slot) for slot in s.free_slots())


@PROPERTY
@given(scenarios())
def test_every_slot_lies_in_working_hours(s: Scenario) -> None:
    worked = working_minutes(s)
    for slot in s.free_slots():
        assert all(minute in worked for minute in slot_minutes(slot))


@PROPERTY
@given(scenarios(zones=["UTC"]))
def test_in_utc_every_slot_lies_in_working_hours_by_the_wall_clock(s: Scenario) -> None:
    for slot in s.free_slots():
        for minute in slot_minutes(slot):
            wall = at(minute)
            of_day = wall.hour * 60 + wall.minute
            intervals = hours_on(s.schedule, wall.date())
            assert any(i.start <= of_day < i.end for i in intervals)


@PROPERTY
@given(scenarios())
def test_slots_are_sorted_on_the_grid_after_the_notice_and_inside_the_window(s: Scenario) -> None:
    slots = s.free_slots()
    periods = runs(working_minutes(s))
    assert [start for start, _ in slots] == sorted({start for start, _ in slots})
    for slot_start, slot_end in slots:
        assert slot_start.tzinfo is UTC
        assert slot_end.tzinfo is UTC
        assert slot_end - slot_start == s.duration
        assert s.start <= slot_start
        assert slot_end <= s.end
        assert slot_start >= s.earliest
        [period_first] = [a for a, b in periods if a <= minute_of(slot_start) < b]
        assert (slot_start - at(period_first)) % s.step == timedelta(0)


@PROPERTY
@given(scenarios())
def test_every_free_grid_point_is_offered(s: Scenario) -> None:
    assert s.free_slots() == brute_force_slots(s)


@PROPERTY
@given(scenarios(), st.data())
def test_fits_agrees_with_checking_each_rule(s: Scenario, data: st.DataObject) -> None:
    window_minutes = minute_of(s.end) - minute_of(s.start)
    start = s.start + data.draw(minutes(0, window_minutes)) * MINUTE
    end = start + data.draw(minutes(-60, 2 * MINUTES_PER_DAY)) * MINUTE
    end = min(end, s.end)  # the oracle's working minutes reach as far as the window
    worked = working_minutes(s)
    expected = (
        end > start
        and start >= s.earliest
        and all(minute in worked for minute in slot_minutes((start, end)))
        and not s.is_blocked(start, end)
    )
    assert fits(s.schedule, s.busy, start=start, end=end, now=s.now) == expected
