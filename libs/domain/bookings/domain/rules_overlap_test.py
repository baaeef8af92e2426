"""The overlap rule: half-open slots compared as instants, across offsets and the repeated hour."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bookings.domain import rules
from bookings.domain.testing_bookings import END, START

BERLIN = ZoneInfo("Europe/Berlin")


def test_back_to_back_slots_do_not_overlap() -> None:
    later = END + timedelta(hours=1)
    assert not rules.overlaps(START, END, END, later)
    assert not rules.overlaps(END, later, START, END)


def test_slots_sharing_one_microsecond_overlap() -> None:
    assert rules.overlaps(START, END, END - timedelta(microseconds=1), END + timedelta(hours=1))


def test_a_slot_inside_another_overlaps() -> None:
    assert rules.overlaps(START, END, START + timedelta(minutes=10), START + timedelta(minutes=20))


def test_disjoint_slots_do_not_overlap() -> None:
    assert not rules.overlaps(START, END, END + timedelta(hours=1), END + timedelta(hours=2))


def test_overlap_compares_instants_across_offsets() -> None:
    berlin_start = START.astimezone(BERLIN)
    assert rules.overlaps(START, END, berlin_start, berlin_start + timedelta(minutes=1))
    assert not rules.overlaps(START, END, END.astimezone(BERLIN), END + timedelta(hours=1))


def test_the_two_repeated_hours_of_an_autumn_night_do_not_overlap() -> None:
    first = datetime(2030, 10, 27, 2, 0, fold=0, tzinfo=BERLIN)  # 00:00Z
    first_end = datetime(2030, 10, 27, 2, 30, fold=0, tzinfo=BERLIN)
    second = datetime(2030, 10, 27, 2, 0, fold=1, tzinfo=BERLIN)  # 01:00Z
    second_end = datetime(2030, 10, 27, 2, 30, fold=1, tzinfo=BERLIN)
    assert not rules.overlaps(first, first_end, second, second_end)
    assert rules.overlaps(first, second_end, second, second_end)
