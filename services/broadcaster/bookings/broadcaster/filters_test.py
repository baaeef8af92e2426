from __future__ import annotations

import pytest

from bookings.auth import Principal, Role
from bookings.broadcaster.filters import AllOf, Everything, Forbidden, OfProvider, filter_for
from bookings.broadcaster.frames import Outgoing


def event_of(provider_id: str | None) -> Outgoing:
    return Outgoing(key=(1, 0), event="booking.created", provider_id=provider_id, payload=b"{}")


def test_provider_matches_only_its_own_bookings() -> None:
    listen = filter_for(Principal("prov-a", frozenset({Role.PROVIDER})))
    assert listen.matches(event_of("prov-a"))
    assert not listen.matches(event_of("prov-b"))
    assert not listen.matches(event_of(None))


def test_admin_matches_everything() -> None:
    listen = filter_for(Principal("root", frozenset({Role.ADMIN})))
    assert isinstance(listen, Everything)
    assert listen.matches(event_of("prov-a"))
    assert listen.matches(event_of(None))


def test_admin_with_provider_id_matches_that_provider_only() -> None:
    listen = filter_for(Principal("root", frozenset({Role.ADMIN})), provider_id="prov-b")
    assert listen.matches(event_of("prov-b"))
    assert not listen.matches(event_of("prov-a"))


def test_admin_who_is_also_a_provider_still_sees_everything() -> None:
    listen = filter_for(Principal("root", frozenset({Role.ADMIN, Role.PROVIDER})))
    assert listen.matches(event_of("someone-else"))


def test_provider_naming_another_provider_is_forbidden() -> None:
    with pytest.raises(Forbidden):
        filter_for(Principal("prov-a", frozenset({Role.PROVIDER})), provider_id="prov-b")


def test_principal_without_roles_is_forbidden() -> None:
    with pytest.raises(Forbidden):
        filter_for(Principal("nobody"))


def test_all_of_requires_every_filter() -> None:
    both = AllOf((OfProvider("prov-a"), Everything()))
    never = AllOf((OfProvider("prov-a"), OfProvider("prov-b")))
    assert both.matches(event_of("prov-a"))
    assert not never.matches(event_of("prov-a"))
