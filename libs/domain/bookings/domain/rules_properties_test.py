"""Properties of the overlap rule, checked with generated slots (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bookings.domain import rules

BASE = datetime(2030, 3, 30, 0, 0, tzinfo=UTC)  # a window around Berlin's spring-forward night
AUTUMN_BASE = datetime(2030, 10, 26, 0, 0, tzinfo=UTC)  # and one around its repeated hour
MINUTES = 3 * 24 * 60
ZONES: list[tzinfo] = [UTC, ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")]


@st.composite
def minute_ranges(draw: st.DrawFn) -> tuple[int, int]:
    """A non-empty half-open range `[start, end)` of whole minutes after BASE."""
    start = draw(st.integers(min_value=0, max_value=MINUTES - 1))
    end = draw(st.integers(min_value=start + 1, max_value=MINUTES))
    return start, end


def at(minute: int, zone: tzinfo = UTC, base: datetime = BASE) -> datetime:
    return (base + timedelta(minutes=minute)).astimezone(zone)


def slot(
    minutes: tuple[int, int], zone: tzinfo = UTC, base: datetime = BASE
) -> tuple[datetime, datetime]:
    return at(minutes[0], zone, base), at(minutes[1], zone, base)


@given(minute_ranges(), minute_ranges())
def test_overlaps_agrees_with_shared_minutes(a: tuple[int, int], b: tuple[int, int]) -> None:
    shares_a_minute = bool(set(range(*a)) & set(range(*b)))
    assert rules.overlaps(*slot(a), *slot(b)) == shares_a_minute


@given(minute_ranges(), minute_ranges())
def test_overlaps_is_symmetric(a: tuple[int, int], b: tuple[int, int]) -> None:
    assert rules.overlaps(*slot(a), *slot(b)) == rules.overlaps(*slot(b), *slot(a))


@given(minute_ranges())
def test_a_slot_always_overlaps_itself(a: tuple[int, int]) -> None:
    assert rules.overlaps(*slot(a), *slot(a))


@given(minute_ranges(), st.integers(min_value=1, max_value=MINUTES))
def test_back_to_back_slots_never_overlap(a: tuple[int, int], length: int) -> None:
    following = (a[1], a[1] + length)
    assert not rules.overlaps(*slot(a), *slot(following))
    assert not rules.overlaps(*slot(following), *slot(a))


@given(
    minute_ranges(),
    minute_ranges(),
    st.sampled_from(ZONES),
    st.sampled_from(ZONES),
    st.sampled_from([BASE, AUTUMN_BASE]),
)
def test_overlap_does_not_depend_on_the_zone_the_times_are_given_in(
    a: tuple[int, int], b: tuple[int, int], zone_a: tzinfo, zone_b: tzinfo, base: datetime
) -> None:
    in_zones = rules.overlaps(*slot(a, zone_a, base), *slot(b, zone_b, base))
    assert in_zones == rules.overlaps(*slot(a, UTC, base), *slot(b, UTC, base))


@st.composite
def about_a_day(draw: st.DrawFn) -> tuple[int, int]:
    """A range lasting 24 h give or take 90 minutes, where a DST change decides the 24 h rule."""
    start = draw(st.integers(min_value=0, max_value=MINUTES // 2))
    return start, start + 24 * 60 + draw(st.integers(min_value=-90, max_value=90))


@given(
    st.one_of(minute_ranges(), about_a_day()),
    st.sampled_from(ZONES),
    st.sampled_from([BASE, AUTUMN_BASE]),
)
def test_slot_rules_do_not_depend_on_the_zone(
    a: tuple[int, int], zone: tzinfo, base: datetime
) -> None:
    now = base + timedelta(hours=12)  # some generated slots start before it, some after
    in_zone = [type(v) for v in rules.slot_violations(*slot(a, zone, base), now=now)]
    in_utc = [type(v) for v in rules.slot_violations(*slot(a, UTC, base), now=now)]
    assert in_zone == in_utc
