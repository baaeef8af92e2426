"""What the domain needs from storage, as protocols; bookings.persistence implements them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Generic, Protocol, Self, TypeVar
from uuid import UUID

from bookings.domain.commands import ListPosition, Period
from bookings.domain.model import Booking

Clock = Callable[[], datetime]
T = TypeVar("T")


@dataclass(frozen=True)
class BookingListQuery:
    """What storage must find for a list (see `decisions.list_query`): one page, and a count."""

    period: Period
    now: datetime
    offset: int
    limit: int
    provider_id: str | None  # None: every provider's bookings
    # Only bookings after this position in the period's order (cursor paging).
    after: ListPosition | None
    # Matches are counted up to this many, so a page costs the same however many there are.
    count_limit: int


@dataclass(frozen=True)
class Found(Generic[T]):
    """One page of a list as storage found it."""

    items: list[T]
    # Bookings matching the list (the period and provider, not `after`), at most `count_limit`.
    counted: int
    # Whether more bookings follow the last item.
    more: bool


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    # False when `total` is a lower bound: more bookings match than were counted.
    total_exact: bool
    page: int
    limit: int
    # Where the next page starts, when one does.
    next_after: ListPosition | None


class BookingRepository(Protocol):
    def add(self, booking: Booking) -> None:
        """Stores a new booking; raises BookingConflict if its slot is taken."""

    def get(self, booking_id: UUID, *, for_update: bool = False) -> Booking | None:
        """Loads a booking; `for_update` locks it until the unit of work ends."""

    def save(self, booking: Booking) -> None:
        """Writes back a loaded booking; raises StaleBooking if it changed meanwhile."""


class UnitOfWork(Protocol):
    """One transaction. Events recorded by the aggregates it saw are stored on commit."""

    @property
    def bookings(self) -> BookingRepository: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Rolls back whatever was not committed."""

    def commit(self) -> None: ...
