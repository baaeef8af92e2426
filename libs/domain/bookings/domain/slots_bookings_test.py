"""`free_slots` around bookings: the slots a booking takes, the buffer kept around it, and the
minimum notice before a slot may start."""

from __future__ import annotations

from bookings.domain.testing_hours import hours, utc
from bookings.domain.testing_slots import (
    HOUR,
    MINUTE,
    MONDAY_END,
    MONDAY_START,
    every,
    schedule,
    starts,
)


def test_a_booking_takes_its_slots() -> None:
    busy = [(utc(2030, 1, 7, 9), utc(2030, 1, 7, 10))]
    got = starts(schedule(), start=utc(2030, 1, 7, 8), end=utc(2030, 1, 7, 11), busy=busy)
    assert got == [
        utc(2030, 1, 7, 8),
        utc(2030, 1, 7, 8, 30),
        utc(2030, 1, 7, 10),
        utc(2030, 1, 7, 10, 30),
    ]


def test_a_booking_off_the_grid_moves_the_next_slot_to_the_next_grid_point() -> None:
    busy = [(utc(2030, 1, 7, 8, 5), utc(2030, 1, 7, 8, 20))]
    got = starts(schedule(), start=utc(2030, 1, 7, 8), end=utc(2030, 1, 7, 9, 30), busy=busy)
    assert got == [utc(2030, 1, 7, 8, 30), utc(2030, 1, 7, 9)]


def test_a_buffer_keeps_time_free_around_a_booking_touching_is_allowed() -> None:
    week = schedule(buffer=15 * MINUTE)
    busy = [(utc(2030, 1, 7, 10), utc(2030, 1, 7, 11))]  # widened: 09:45Z-11:15Z
    got = starts(
        week, start=utc(2030, 1, 7, 8), end=utc(2030, 1, 7, 12), busy=busy, step=15 * MINUTE
    )
    assert utc(2030, 1, 7, 9, 15) in got  # ends exactly where the widened booking starts
    assert utc(2030, 1, 7, 11, 15) in got  # starts exactly where it ends
    assert [s for s in got if utc(2030, 1, 7, 9, 15) < s < utc(2030, 1, 7, 11, 15)] == []


def test_without_a_buffer_slots_touch_the_booking() -> None:
    busy = [(utc(2030, 1, 7, 10), utc(2030, 1, 7, 11))]
    got = starts(schedule(), start=utc(2030, 1, 7, 9), end=utc(2030, 1, 7, 12), busy=busy)
    assert got == [
        utc(2030, 1, 7, 9),
        utc(2030, 1, 7, 9, 30),
        utc(2030, 1, 7, 11),
        utc(2030, 1, 7, 11, 30),
    ]


def test_a_booking_outside_the_window_blocks_through_its_buffer() -> None:
    week = schedule(buffer=HOUR)
    busy = [(utc(2030, 1, 7, 7), utc(2030, 1, 7, 8))]  # before the hours; widened to 09:00Z
    assert starts(week, start=MONDAY_START, end=MONDAY_END, busy=busy)[0] == utc(2030, 1, 7, 9)
    assert starts(week, start=MONDAY_START, end=MONDAY_END)[0] == utc(2030, 1, 7, 8)


def test_nested_and_overlapping_bookings_block_until_the_latest_end() -> None:
    busy = [
        (utc(2030, 1, 7, 8), utc(2030, 1, 7, 12)),
        (utc(2030, 1, 7, 8, 30), utc(2030, 1, 7, 9)),  # inside the first
        (utc(2030, 1, 7, 11), utc(2030, 1, 7, 13)),
    ]
    got = starts(schedule(), start=MONDAY_START, end=MONDAY_END, busy=busy, duration=HOUR)
    assert got == every(HOUR, utc(2030, 1, 7, 13), utc(2030, 1, 7, 15))


def test_unsorted_bookings_give_the_same_slots() -> None:
    busy = [
        (utc(2030, 1, 7, 14), utc(2030, 1, 7, 15)),
        (utc(2030, 1, 7, 9), utc(2030, 1, 7, 10)),
        (utc(2030, 1, 7, 8), utc(2030, 1, 7, 8, 30)),
    ]
    assert starts(schedule(), start=MONDAY_START, end=MONDAY_END, busy=busy) == starts(
        schedule(), start=MONDAY_START, end=MONDAY_END, busy=sorted(busy)
    )


def test_a_booking_across_midnight_blocks_slots_on_both_days() -> None:
    week = schedule({0: hours("20:00-23:00"), 1: hours("01:00-04:00")})
    busy = [(utc(2030, 1, 7, 21), utc(2030, 1, 8, 1))]  # Monday 22:00 to Tuesday 02:00 local
    got = starts(week, start=utc(2030, 1, 7), end=utc(2030, 1, 9), busy=busy, duration=HOUR)
    assert got == [utc(2030, 1, 7, 19), utc(2030, 1, 7, 20), utc(2030, 1, 8, 1), utc(2030, 1, 8, 2)]


def test_minimum_notice_hides_slots_starting_too_soon() -> None:
    week = schedule(notice=2 * HOUR)
    now = utc(2030, 1, 7, 7, 10)  # 08:10 local: the first slot may start at 10:10, so 10:30
    got = starts(week, start=MONDAY_START, end=MONDAY_END, now=now)
    assert got[0] == utc(2030, 1, 7, 9, 30)
    assert len(got) == 13


def test_without_notice_a_slot_may_start_now() -> None:
    got = starts(schedule(), start=MONDAY_START, end=MONDAY_END, now=utc(2030, 1, 7, 10))
    assert got[0] == utc(2030, 1, 7, 10)
