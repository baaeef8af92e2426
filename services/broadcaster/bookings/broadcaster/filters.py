"""Which events a connection receives: every event, or one provider's (`OfProvider`)."""

from __future__ import annotations

from dataclasses import dataclass

from bookings.auth import Principal
from bookings.broadcaster.frames import Outgoing


class Forbidden(Exception):
    """The principal may not watch what it asked for (close 4403)."""


@dataclass(frozen=True, slots=True)
class OfProvider:
    """Events of one provider's bookings only."""

    provider_id: str

    def matches(self, event: Outgoing) -> bool:
        return event.provider_id == self.provider_id


def filter_for(principal: Principal, *, provider_id: str | None = None) -> OfProvider | None:
    """A provider sees its own bookings; an admin sees all (None: no filter), or one provider's
    with `provider_id`. A provider naming another provider is Forbidden; a principal with
    neither role is Forbidden."""
    if principal.is_admin:
        return None if provider_id is None else OfProvider(provider_id)
    if principal.is_provider:
        if provider_id is not None and provider_id != principal.sub:
            raise Forbidden("a provider may only watch its own bookings")
        return OfProvider(principal.sub)
    raise Forbidden("the token grants no role that may listen")
