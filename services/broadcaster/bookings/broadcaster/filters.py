"""Which events a connection receives. A filter is a small predicate over an outgoing event;
filters compose with `AllOf`, so a new narrowing (a channel list, a booking id) is one class
and one line in `filter_for`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bookings.auth import Principal
from bookings.broadcaster.frames import Outgoing


class Filter(Protocol):
    def matches(self, event: Outgoing) -> bool: ...


class Forbidden(Exception):
    """The principal may not watch what it asked for (close 4403)."""


@dataclass(frozen=True, slots=True)
class Everything:
    def matches(self, event: Outgoing) -> bool:
        return True


@dataclass(frozen=True, slots=True)
class OfProvider:
    """Events of one provider's bookings only."""

    provider_id: str

    def matches(self, event: Outgoing) -> bool:
        return event.provider_id == self.provider_id


@dataclass(frozen=True, slots=True)
class AllOf:
    filters: tuple[Filter, ...]

    def matches(self, event: Outgoing) -> bool:
        return all(f.matches(event) for f in self.filters)


def filter_for(principal: Principal, *, provider_id: str | None = None) -> Filter:
    """A provider sees its own bookings; an admin sees all, or one provider's with
    `provider_id`. A provider naming another provider is Forbidden; a principal with neither
    role is Forbidden."""
    narrowing: list[Filter] = []
    if principal.is_admin:
        if provider_id is not None:
            narrowing.append(OfProvider(provider_id))
    elif principal.is_provider:
        if provider_id is not None and provider_id != principal.sub:
            raise Forbidden("a provider may only watch its own bookings")
        narrowing.append(OfProvider(principal.sub))
    else:
        raise Forbidden("the token grants no role that may listen")
    if not narrowing:
        return Everything()
    return narrowing[0] if len(narrowing) == 1 else AllOf(tuple(narrowing))
