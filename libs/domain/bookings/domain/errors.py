"""Named domain errors. Entry points map them to their own protocol (HTTP status, job outcome)."""

from __future__ import annotations

from uuid import UUID


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RuleViolation(DomainError):
    """One broken rule about one field of a booking (`field` uses the model's names)."""

    field: str = ""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        if field is not None:
            self.field = field


class TitleBlank(RuleViolation):
    field = "title"


class TitleTooLong(RuleViolation):
    field = "title"


class NaiveDatetime(RuleViolation):
    """A time without a UTC offset: ambiguous, so refused."""


class EndNotAfterStart(RuleViolation):
    field = "end_time"


class DurationTooLong(RuleViolation):
    field = "end_time"


class StartInPast(RuleViolation):
    field = "start_time"


class InvalidBooking(DomainError):
    """Every rule a proposed booking breaks, so a client can fix them all at once."""

    def __init__(self, violations: list[RuleViolation]) -> None:
        super().__init__("; ".join(v.message for v in violations))
        self.violations = tuple(violations)


class InvalidHours(DomainError):
    """Working hours that cannot be used: a malformed time, or intervals out of order."""


class UnknownTimeZone(DomainError):
    """A time zone name that is not a known IANA zone."""

    def __init__(self, name: str) -> None:
        shown = name if len(name) <= 64 else name[:64] + "..."  # never echo a huge input back
        super().__init__(f"{shown!r} is not a known IANA time zone")
        self.name = name


class BookingNotFound(DomainError):
    """No such booking, or one the actor may not see (existence is not leaked)."""

    def __init__(self, booking_id: UUID) -> None:
        super().__init__(f"booking {booking_id} not found")
        self.booking_id = booking_id


class Forbidden(DomainError):
    """The actor may not do this at all (e.g. book for another provider)."""


class BookingNotScheduled(DomainError):
    """Only a scheduled booking can be cancelled or changed."""

    def __init__(self, booking_id: UUID, action: str) -> None:
        super().__init__(f"booking {booking_id} is cancelled and cannot be {action}")
        self.booking_id = booking_id


class BookingConflict(DomainError):
    """The slot overlaps an active booking of the same provider."""

    def __init__(self, conflicting_booking_id: UUID | None) -> None:
        super().__init__("the time slot overlaps another booking of this provider")
        self.conflicting_booking_id = conflicting_booking_id


class StaleBooking(DomainError):
    """The booking changed since it was read (optimistic concurrency)."""

    def __init__(self, booking_id: UUID) -> None:
        super().__init__(f"booking {booking_id} was changed concurrently; retry")
        self.booking_id = booking_id
