"""Free slots in a provider's working hours, and whether a proposed booking fits in them.

A slot `[s, s + duration)` is offered when `s` is on the grid `period_start + k * step` of a
(merged) working period, the slot lies inside that period and inside the requested window, `s`
is at least `minimum_notice` after now, and the slot overlaps no scheduled booking widened by
the schedule's buffer on both sides. All ranges are half-open, so a slot may end exactly where
a widened booking starts. Working hours end at `working_hours.LATEST`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import pairwise

from bookings.domain.working_hours import LATEST, Schedule, working_periods

TimeRange = tuple[datetime, datetime]


def free_slots(
    schedule: Schedule,
    busy: Sequence[TimeRange],
    *,
    start: datetime,
    end: datetime,
    duration: timedelta,
    step: timedelta,
    now: datetime,
) -> list[TimeRange]:
    """The free slots of `duration` in `[start, end)`, every `step` from each period's start.

    `busy` holds the provider's scheduled bookings; sorted by start is cheapest. One pass over
    the periods, with a pointer into `busy` that only moves forward: linear in the number of
    periods, slots and bookings.
    """
    if duration <= timedelta(0) or step <= timedelta(0):
        raise ValueError("a slot's duration and step must be positive")
    bookings = _by_start(busy)
    end = min(end, LATEST)
    earliest = max(start, now + schedule.minimum_notice)
    buffer = schedule.buffer
    slots: list[TimeRange] = []
    next_booking = 0
    # The latest widened end among the bookings passed so far (those whose widened start lies
    # before the current slot's end): the current slot is free exactly when it starts at or
    # after it. Keeping the maximum, not the last, handles bookings that contain each other.
    blocked_until: datetime | None = None
    for period_start, period_end in working_periods(schedule, start, end):
        last_start = min(period_end, end) - duration
        slot_start = _grid_point_at_or_after(earliest, period_start, step)
        while slot_start <= last_start:
            slot_end = slot_start + duration
            while next_booking < len(bookings) and bookings[next_booking][0] - buffer < slot_end:
                widened_end = bookings[next_booking][1] + buffer
                if blocked_until is None or widened_end > blocked_until:
                    blocked_until = widened_end
                next_booking += 1
            if blocked_until is not None and blocked_until > slot_start:
                slot_start = _grid_point_at_or_after(blocked_until, period_start, step)
                continue
            slots.append((slot_start, slot_end))
            slot_start += step
    return slots


def fits(
    schedule: Schedule,
    busy: Sequence[TimeRange],
    *,
    start: datetime,
    end: datetime,
    now: datetime,
) -> bool:
    """Whether a booking `[start, end)` lies within the working hours, with notice and buffers.

    It must lie inside one (merged) working period, start at least `minimum_notice` after now,
    and overlap no scheduled booking widened by the buffer. Unlike a slot it need not be on a
    grid.
    """
    if end <= start or start < now + schedule.minimum_notice or end > LATEST:
        return False
    periods = working_periods(schedule, start, end)
    if not any(p_start <= start and end <= p_end for p_start, p_end in periods):
        return False
    buffer = schedule.buffer
    return not any(b_start - buffer < end and start < b_end + buffer for b_start, b_end in busy)


def _by_start(busy: Sequence[TimeRange]) -> Sequence[TimeRange]:
    """`busy` sorted by start; a sorted sequence (the usual case) is checked, not copied."""
    if all(a[0] <= b[0] for a, b in pairwise(busy)):
        return busy
    return sorted(busy, key=lambda booking: booking[0])


def _grid_point_at_or_after(moment: datetime, origin: datetime, step: timedelta) -> datetime:
    """The first of `origin + k * step` (k >= 0) that is not before `moment`."""
    if moment <= origin:
        return origin
    # Ceiling division of timedeltas, exact to the microsecond (no floats).
    return origin + -((origin - moment) // step) * step
