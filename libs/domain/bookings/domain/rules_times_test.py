"""The time rules of a booking: aware times, an end after the start, at most 24 hours, a start
after now, all measured in real time across offsets and DST; and `check_booking` reporting every
violation, the title's too, at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest

from bookings.domain import rules
from bookings.domain.errors import (
    DurationTooLong,
    EndNotAfterStart,
    InvalidBooking,
    NaiveDatetime,
    RuleViolation,
    StartInPast,
    TitleBlank,
)
from bookings.domain.testing_bookings import END, NOW, START

BERLIN = ZoneInfo("Europe/Berlin")
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def violations_of(start: datetime, end: datetime, *, now: datetime = NOW) -> list[type]:
    return [type(v) for v in rules.slot_violations(start, end, now=now)]


def test_a_valid_future_slot_breaks_no_rule() -> None:
    assert rules.slot_violations(START, END, now=NOW) == []


@pytest.mark.parametrize(
    ("start", "end", "naive_fields"),
    [
        (START.replace(tzinfo=None), END, ["start_time"]),
        (START, END.replace(tzinfo=None), ["end_time"]),
        (START.replace(tzinfo=None), END.replace(tzinfo=None), ["start_time", "end_time"]),
    ],
)
def test_naive_times_are_rejected_naming_the_field(
    start: datetime, end: datetime, naive_fields: list[str]
) -> None:
    violations = rules.slot_violations(start, end, now=NOW)
    assert all(isinstance(v, NaiveDatetime) for v in violations)
    assert [v.field for v in violations] == naive_fields


def test_a_tzinfo_without_an_offset_counts_as_naive() -> None:
    class NoOffset(tzinfo):
        def utcoffset(self, dt: datetime | None) -> timedelta | None:
            return None

        def dst(self, dt: datetime | None) -> timedelta | None:
            return None

        def tzname(self, dt: datetime | None) -> str | None:
            return None

    assert not rules.is_aware(START.replace(tzinfo=NoOffset()))
    assert rules.is_aware(START)


def test_end_equal_to_start_is_rejected() -> None:
    assert violations_of(START, START) == [EndNotAfterStart]


def test_end_before_start_is_rejected() -> None:
    assert violations_of(START, START - timedelta(minutes=1)) == [EndNotAfterStart]


def test_end_not_after_start_names_end_time() -> None:
    [violation] = rules.slot_violations(START, START, now=NOW)
    assert violation.field == "end_time"


def test_duration_of_exactly_24_hours_is_accepted() -> None:
    assert violations_of(START, START + timedelta(hours=24)) == []


def test_duration_of_24_hours_and_one_microsecond_is_rejected() -> None:
    end = START + timedelta(hours=24, microseconds=1)
    [violation] = rules.slot_violations(START, end, now=NOW)
    assert isinstance(violation, DurationTooLong)
    assert violation.field == "end_time"


def test_start_equal_to_now_is_rejected() -> None:
    [violation] = rules.slot_violations(NOW, NOW + timedelta(hours=1), now=NOW)
    assert isinstance(violation, StartInPast)
    assert violation.field == "start_time"


def test_start_in_the_past_is_rejected() -> None:
    start = NOW - timedelta(microseconds=1)
    assert violations_of(start, start + timedelta(hours=1)) == [StartInPast]
    assert violations_of(NOW - timedelta(days=3), NOW - timedelta(days=2)) == [StartInPast]


def test_start_one_microsecond_after_now_is_accepted() -> None:
    start = NOW + timedelta(microseconds=1)
    assert violations_of(start, start + timedelta(hours=1)) == []


def test_the_clock_is_injected() -> None:
    assert violations_of(START, END, now=START + timedelta(seconds=1)) == [StartInPast]
    assert violations_of(START, END, now=LONG_AGO) == []


def test_times_in_different_offsets_are_compared_as_instants() -> None:
    start = datetime(2030, 6, 1, 10, 0, tzinfo=timezone(timedelta(hours=2)))  # 08:00Z
    end = datetime(2030, 6, 1, 9, 0, tzinfo=UTC)
    assert violations_of(start, end) == []
    assert violations_of(start, datetime(2030, 6, 1, 8, 0, tzinfo=UTC)) == [EndNotAfterStart]


def test_spring_forward_night_is_measured_in_real_time() -> None:
    start = datetime(2030, 3, 30, 2, 30, tzinfo=BERLIN)
    end = datetime(2030, 3, 31, 3, 30, tzinfo=BERLIN)  # 25 h by the wall clock
    assert start.isoformat() == "2030-03-30T02:30:00+01:00"
    assert end.isoformat() == "2030-03-31T03:30:00+02:00"
    # 01:30+01:00 -> 03:30+02:00 on the night is 1 h, so the whole slot lasts exactly 24 h
    assert violations_of(start, end) == []
    assert violations_of(start, end + timedelta(microseconds=1)) == [DurationTooLong]


def test_autumn_night_is_measured_in_real_time() -> None:
    start = datetime(2030, 10, 26, 12, 0, tzinfo=BERLIN)
    end = datetime(2030, 10, 27, 12, 0, tzinfo=BERLIN)  # 24 h by the wall clock, 25 h really
    assert violations_of(start, end) == [DurationTooLong]
    assert violations_of(start, end - timedelta(hours=1)) == []


def test_the_repeated_hour_of_an_autumn_night_is_ordered_in_real_time() -> None:
    start = datetime(2030, 10, 27, 2, 30, fold=1, tzinfo=BERLIN)  # 01:30Z, the second 02:30
    end = datetime(2030, 10, 27, 2, 45, fold=0, tzinfo=BERLIN)  # 00:45Z, the first 02:45
    assert violations_of(start, end) == [EndNotAfterStart]
    assert violations_of(end, start) == []


def test_several_violations_are_reported_together() -> None:
    with pytest.raises(InvalidBooking) as caught:
        rules.check_booking("   ", NOW - timedelta(hours=1), NOW - timedelta(hours=2), now=NOW)
    violations = caught.value.violations
    assert [type(v) for v in violations] == [TitleBlank, EndNotAfterStart, StartInPast]
    assert [v.field for v in violations] == ["title", "end_time", "start_time"]
    assert str(caught.value) == "; ".join(v.message for v in violations)


def test_title_and_naive_times_are_reported_together() -> None:
    with pytest.raises(InvalidBooking) as caught:
        rules.check_booking("x" * 201, START.replace(tzinfo=None), END, now=NOW)
    assert [v.field for v in caught.value.violations] == ["title", "start_time"]


def test_too_long_and_in_the_past_are_reported_together() -> None:
    start = NOW - timedelta(hours=1)
    violations = rules.slot_violations(start, start + timedelta(hours=25), now=NOW)
    assert [type(v) for v in violations] == [DurationTooLong, StartInPast]


def test_check_booking_returns_the_trimmed_title() -> None:
    assert rules.check_booking("  Massage  ", START, END, now=NOW) == "Massage"


def test_every_violation_is_a_rule_violation_with_a_message() -> None:
    violations = rules.slot_violations(START.replace(tzinfo=None), END, now=NOW)
    assert all(isinstance(v, RuleViolation) and v.message for v in violations)
