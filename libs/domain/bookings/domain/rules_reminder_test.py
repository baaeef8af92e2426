"""When a reminder is due: the lead before the start in real time, or now if that has passed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bookings.domain import rules
from bookings.domain.testing_bookings import NOW, START

BERLIN = ZoneInfo("Europe/Berlin")


def test_reminder_is_due_lead_before_start() -> None:
    lead = timedelta(minutes=10)
    assert rules.reminder_due_at(START, lead=lead, now=NOW) == START - lead


def test_reminder_is_due_now_when_lead_before_start_has_passed() -> None:
    start = NOW + timedelta(minutes=5)
    assert rules.reminder_due_at(start, lead=timedelta(minutes=10), now=NOW) == NOW


def test_reminder_exactly_at_now_is_due_now() -> None:
    start = NOW + timedelta(minutes=10)
    assert rules.reminder_due_at(start, lead=timedelta(minutes=10), now=NOW) == NOW


def test_reminder_lead_is_real_time_across_a_dst_change() -> None:
    start = datetime(2030, 3, 31, 3, 5, tzinfo=BERLIN)  # 01:05Z, just after the clocks jump
    due = rules.reminder_due_at(start, lead=timedelta(minutes=10), now=NOW)
    assert due == datetime(2030, 3, 31, 0, 55, tzinfo=UTC)
    assert start - due == timedelta(minutes=10)
