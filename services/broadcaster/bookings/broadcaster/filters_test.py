from __future__ import annotations

from typing import cast

import pytest
from websockets.asyncio.server import ServerConnection

from bookings.auth import Principal, Role
from bookings.broadcaster.filters import Forbidden, OfProvider, filter_for
from bookings.broadcaster.frames import Outgoing
from bookings.broadcaster.registry import Listener


def event_of(provider_id: str | None) -> Outgoing:
    return Outgoing(key=(1, 0), event="booking.created", provider_id=provider_id, payload=b"{}")


def listener_of(principal: Principal, *, provider_id: str | None = None) -> Listener:
    """A listener as the server registers it; filtering never touches its connection."""
    return Listener(
        connection=cast(ServerConnection, None),
        filter=filter_for(principal, provider_id=provider_id),
        subject=principal.sub,
    )


def test_provider_matches_only_its_own_bookings() -> None:
    listener = listener_of(Principal("prov-a", frozenset({Role.PROVIDER})))
    assert listener.filter == OfProvider("prov-a")
    assert listener.receives(event_of("prov-a"))
    assert not listener.receives(event_of("prov-b"))
    assert not listener.receives(event_of(None))


def test_admin_matches_everything() -> None:
    listener = listener_of(Principal("root", frozenset({Role.ADMIN})))
    assert listener.filter is None
    assert listener.receives(event_of("prov-a"))
    assert listener.receives(event_of(None))


def test_admin_with_provider_id_matches_that_provider_only() -> None:
    listener = listener_of(Principal("root", frozenset({Role.ADMIN})), provider_id="prov-b")
    assert listener.receives(event_of("prov-b"))
    assert not listener.receives(event_of("prov-a"))


def test_admin_who_is_also_a_provider_still_sees_everything() -> None:
    listener = listener_of(Principal("root", frozenset({Role.ADMIN, Role.PROVIDER})))
    assert listener.receives(event_of("someone-else"))


def test_provider_naming_another_provider_is_forbidden() -> None:
    with pytest.raises(Forbidden):
        filter_for(Principal("prov-a", frozenset({Role.PROVIDER})), provider_id="prov-b")


def test_principal_without_roles_is_forbidden() -> None:
    with pytest.raises(Forbidden):
        filter_for(Principal("nobody"))
