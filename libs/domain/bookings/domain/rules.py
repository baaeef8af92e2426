"""The rules a booking's title and times must follow, each reported as a named violation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bookings.domain.errors import (
    DurationTooLong,
    EndNotAfterStart,
    InvalidBooking,
    NaiveDatetime,
    RuleViolation,
    StartInPast,
    TitleBlank,
    TitleTooLong,
)

MAX_TITLE_LENGTH = 200
MAX_DURATION = timedelta(hours=24)


def clean_title(title: str) -> str:
    """The title as stored (trimmed), or InvalidBooking."""
    cleaned = title.strip()
    violation = _title_violation(cleaned)
    if violation is not None:
        raise InvalidBooking([violation])
    return cleaned


def check_booking(title: str, start: datetime, end: datetime, *, now: datetime) -> str:
    """Checks a whole proposed booking at once; returns the cleaned title."""
    cleaned = title.strip()
    title_violation = _title_violation(cleaned)
    violations = [title_violation] if title_violation else []
    violations += slot_violations(start, end, now=now)
    if violations:
        raise InvalidBooking(violations)
    return cleaned


def slot_violations(start: datetime, end: datetime, *, now: datetime) -> list[RuleViolation]:
    violations: list[RuleViolation] = [
        NaiveDatetime(f"{field} must carry a UTC offset", field=field)
        for field, value in (("start_time", start), ("end_time", end))
        if not is_aware(value)
    ]
    if violations:
        return violations  # naive and aware times cannot be compared
    start, end, now = _instant(start), _instant(end), _instant(now)
    if end <= start:
        violations.append(EndNotAfterStart("end_time must be after start_time"))
    elif end - start > MAX_DURATION:
        violations.append(DurationTooLong("a booking lasts at most 24 hours"))
    if start <= now:
        violations.append(StartInPast("start_time must be in the future"))
    return violations


def is_aware(value: datetime) -> bool:
    return value.tzinfo is not None and value.utcoffset() is not None


def _instant(value: datetime) -> datetime:
    """`value` in UTC, so that arithmetic and comparisons measure real time.

    Python subtracts and compares two datetimes that share one tzinfo (e.g. one ZoneInfo) by
    their wall clocks: Europe/Berlin 01:30 -> 03:30 on a spring-forward night would count as
    2 h instead of 1 h, and a 25 h autumn booking as 24 h.
    """
    return value.astimezone(UTC) if is_aware(value) else value


def _title_violation(cleaned: str) -> RuleViolation | None:
    if not cleaned:
        return TitleBlank("title must not be blank")
    if len(cleaned) > MAX_TITLE_LENGTH:
        return TitleTooLong(f"title is longer than {MAX_TITLE_LENGTH} characters")
    return None


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Whether half-open ranges `[a_start, a_end)` and `[b_start, b_end)` share an instant."""
    a_start, a_end, b_start, b_end = map(_instant, (a_start, a_end, b_start, b_end))
    return a_start < b_end and b_start < a_end


def reminder_due_at(start: datetime, *, lead: timedelta, now: datetime) -> datetime:
    """When the reminder is due: `lead` before the start, or now if that has passed."""
    return max(_instant(start) - lead, _instant(now))
