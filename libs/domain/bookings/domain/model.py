"""The Booking aggregate: its state, its lifecycle, and the events it records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from bookings.domain import rules
from bookings.domain.errors import BookingNotScheduled, InvalidBooking
from bookings.domain.events import (
    BookingCancelled,
    BookingCreated,
    BookingEvent,
    BookingRescheduled,
    BookingSnapshot,
    ReminderSent,
)
from bookings.domain.status import BookingStatus


@dataclass(eq=False)
class Booking:
    """A provider's booked slot `[start_time, end_time)`.

    `version` changes with every change, so a stale writer is caught and a reminder job can
    tell whether the booking it was scheduled for is still the same.
    """

    id: UUID
    provider_id: str
    title: str
    start_time: datetime
    end_time: datetime
    status: BookingStatus
    version: int
    reminder_due_at: datetime
    reminded_at: datetime | None
    created_at: datetime
    updated_at: datetime
    events: list[BookingEvent] = field(default_factory=list, repr=False)

    @classmethod
    def create(
        cls,
        *,
        provider_id: str,
        title: str,
        start_time: datetime,
        end_time: datetime,
        now: datetime,
        reminder_lead: timedelta,
        booking_id: UUID | None = None,
    ) -> Booking:
        cleaned = rules.check_booking(title, start_time, end_time, now=now)
        booking = cls(
            id=booking_id or uuid4(),
            provider_id=provider_id,
            title=cleaned,
            start_time=start_time,
            end_time=end_time,
            status=BookingStatus.SCHEDULED,
            version=1,
            reminder_due_at=rules.reminder_due_at(start_time, lead=reminder_lead, now=now),
            reminded_at=None,
            created_at=now,
            updated_at=now,
        )
        booking._record(BookingCreated, now)
        return booking

    @property
    def is_scheduled(self) -> bool:
        return self.status is BookingStatus.SCHEDULED

    def cancel(self, *, now: datetime) -> None:
        self._require_scheduled("cancelled")
        self.status = BookingStatus.CANCELLED
        self._changed(now)
        self._record(BookingCancelled, now)

    def change(
        self,
        *,
        now: datetime,
        reminder_lead: timedelta,
        title: str | None = None,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
    ) -> bool:
        """Renames and/or moves the booking; returns whether anything changed."""
        self._require_scheduled("changed")
        new_start = self.start_time if start_time is None else start_time
        new_end = self.end_time if end_time is None else end_time
        moved = new_start != self.start_time or new_end != self.end_time
        # Collect the title's and the times' violations together, as on create.
        violations = rules.slot_violations(new_start, new_end, now=now) if moved else []
        new_title = self.title
        if title is not None:
            try:
                new_title = rules.clean_title(title)
            except InvalidBooking as error:
                violations = [*error.violations, *violations]
        if violations:
            raise InvalidBooking(violations)
        if not moved and new_title == self.title:
            return False
        if moved:
            self.start_time, self.end_time = new_start, new_end
            self.reminder_due_at = rules.reminder_due_at(new_start, lead=reminder_lead, now=now)
            self.reminded_at = None  # a new time deserves a new reminder
        self.title = new_title
        self._changed(now)
        self._record(BookingRescheduled, now)
        return True

    def reminder_is_owed(self, version: int, *, now: datetime) -> bool:
        """Whether a reminder job scheduled for `version` should send the reminder at `now`.

        A job of an earlier version sends too once the current reminder is due: a job that was
        running when the booking changed is written back by the job queue over the schedule of
        the new version, which then runs with the earlier version's arguments.
        """
        if not self.is_scheduled or self.reminded_at is not None:
            return False
        return self.version == version or self.reminder_due_at <= now

    def mark_reminded(self, *, now: datetime) -> None:
        self.reminded_at = now
        self.updated_at = now
        self._record(ReminderSent, now)

    def pull_events(self) -> list[BookingEvent]:
        events, self.events = self.events, []
        return events

    def _require_scheduled(self, action: str) -> None:
        if not self.is_scheduled:
            raise BookingNotScheduled(self.id, action)

    def _changed(self, now: datetime) -> None:
        self.version += 1
        self.updated_at = now

    def _record(self, event_type: type[BookingEvent], now: datetime) -> None:
        self.events.append(event_type(booking=self.snapshot(), occurred_at=now))

    def snapshot(self) -> BookingSnapshot:
        return BookingSnapshot(
            booking_id=self.id,
            provider_id=self.provider_id,
            title=self.title,
            start_time=self.start_time,
            end_time=self.end_time,
            status=self.status,
            version=self.version,
            reminder_due_at=self.reminder_due_at,
        )
