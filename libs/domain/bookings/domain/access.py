"""Who may do what: a provider acts on its own bookings only, an admin on any."""

from __future__ import annotations

from dataclasses import dataclass

from bookings.domain.errors import Forbidden
from bookings.domain.model import Booking


@dataclass(frozen=True)
class Actor:
    """Whoever asks: a provider (identified by `id`) or an admin."""

    id: str
    is_admin: bool = False

    @property
    def visible_provider(self) -> str | None:
        """Whose bookings the actor may see: its own, or everyone's (None) for an admin.

        Storage narrows lookups with it, so a booking the actor may not see is never loaded.
        """
        return None if self.is_admin else self.id

    def can_see(self, booking: Booking) -> bool:
        visible = self.visible_provider
        return visible is None or booking.provider_id == visible

    def provider_to_book_for(self, requested: str | None) -> str:
        """The provider a new booking belongs to: oneself, or anyone for an admin."""
        if requested is None or requested == self.id:
            return self.id
        if self.is_admin:
            return requested
        raise Forbidden("a provider can only book for itself")

    def provider_filter(self, requested: str | None) -> str | None:
        """Which provider's bookings a list shows: one's own, or any (or all) for an admin."""
        if self.is_admin:
            return requested
        if requested is not None and requested != self.id:
            raise Forbidden("a provider can only list its own bookings")
        return self.id

    def check_manages(self, provider_id: str) -> None:
        """A provider's schedule and calendar feed are its own business (and admins')."""
        if not self.is_admin and provider_id != self.id:
            raise Forbidden("a provider manages its own schedule and calendar feed only")
