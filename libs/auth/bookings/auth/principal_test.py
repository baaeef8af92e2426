"""Principal: a validated, immutable caller identity."""

from __future__ import annotations

import dataclasses

import pytest

from bookings.auth.principal import Principal, Role


def test_roles_are_spelled_as_in_the_roles_claim() -> None:
    assert [role.value for role in Role] == ["provider", "admin"]
    assert Role("admin") is Role.ADMIN


def test_roles_given_as_strings_or_a_list_are_stored_as_a_frozenset_of_role() -> None:
    principal = Principal("p-1", ["admin", Role.PROVIDER, "admin"])  # type: ignore[arg-type]

    assert principal.roles == frozenset({Role.ADMIN, Role.PROVIDER})
    assert all(type(role) is Role for role in principal.roles)
    assert principal == Principal("p-1", frozenset({Role.PROVIDER, Role.ADMIN}))


def test_a_principal_without_roles_defaults_to_none() -> None:
    principal = Principal("p-1")

    assert principal.roles == frozenset()
    assert not principal.is_admin
    assert not principal.is_provider
    assert not principal.has_any_role(Role.PROVIDER, Role.ADMIN)


def test_is_admin_and_is_provider_follow_the_roles() -> None:
    admin = Principal("a-1", frozenset({Role.ADMIN}))
    provider = Principal("p-1", frozenset({Role.PROVIDER}))

    assert (admin.is_admin, admin.is_provider) == (True, False)
    assert (provider.is_admin, provider.is_provider) == (False, True)


def test_has_any_role_of_one_role_is_true_only_for_a_held_role() -> None:
    provider = Principal("p-1", frozenset({Role.PROVIDER}))

    assert provider.has_any_role(Role.PROVIDER)
    assert not provider.has_any_role(Role.ADMIN)


def test_has_any_role_needs_one_match_and_is_false_when_no_role_is_asked_for() -> None:
    provider = Principal("p-1", frozenset({Role.PROVIDER}))

    assert provider.has_any_role(Role.ADMIN, Role.PROVIDER)
    assert not provider.has_any_role(Role.ADMIN)
    assert not provider.has_any_role()


@pytest.mark.parametrize("sub", ["", "   ", 42, None, "x" * 201, "p\ud800", "p\x00"])
def test_a_principal_needs_a_sub_that_can_be_stored(sub: object) -> None:
    with pytest.raises(ValueError, match="sub"):
        Principal(sub)  # type: ignore[arg-type]


def test_an_unknown_role_is_refused_when_building_a_principal() -> None:
    with pytest.raises(ValueError, match="superuser"):
        Principal("p-1", frozenset({"superuser"}))  # type: ignore[arg-type]


def test_with_known_roles_drops_the_roles_this_platform_does_not_know() -> None:
    principal = Principal.with_known_roles("p-1", ["superuser", "provider", "Admin", "provider"])

    assert principal == Principal("p-1", frozenset({Role.PROVIDER}))
    assert Principal.with_known_roles("p-1", ["owner"]).roles == frozenset()


def test_principals_are_immutable_and_hashable() -> None:
    principal = Principal("p-1", frozenset({Role.ADMIN}))

    with pytest.raises(dataclasses.FrozenInstanceError):
        principal.sub = "someone-else"  # type: ignore[misc]
    assert {principal, Principal("p-1", frozenset({Role.ADMIN}))} == {principal}
