"""What entry points ask the domain to do (imperatives) or to tell (queries)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from bookings.domain.access import Actor


@dataclass(frozen=True)
class CreateBooking:
    actor: Actor
    title: str
    start_time: datetime
    end_time: datetime
    provider_id: str | None = None


@dataclass(frozen=True)
class CancelBooking:
    actor: Actor
    booking_id: UUID


@dataclass(frozen=True)
class ChangeBooking:
    """Rename and/or move a booking; fields left None stay as they are."""

    actor: Actor
    booking_id: UUID
    title: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None


@dataclass(frozen=True)
class SendReminder:
    booking_id: UUID
    version: int


@dataclass(frozen=True)
class GetBooking:
    actor: Actor
    booking_id: UUID


class Period(StrEnum):
    UPCOMING = "upcoming"  # start >= now, soonest first
    PAST = "past"  # start < now, latest first


@dataclass(frozen=True)
class ListPosition:
    """Where a list stopped: the (start, id) of the last booking a client has seen."""

    start_time: datetime
    booking_id: UUID


@dataclass(frozen=True)
class ListBookings:
    """A page by number (`page`), or the bookings that follow `after` (cursor paging)."""

    actor: Actor
    period: Period
    page: int = 1
    limit: int = 20
    provider_id: str | None = None
    after: ListPosition | None = None
