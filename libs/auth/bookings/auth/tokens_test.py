"""Issuing tokens and verifying well-formed ones: round trips, claims, clock and leeway."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from bookings.auth.errors import ExpiredToken, InvalidToken
from bookings.auth.principal import Principal, Role
from bookings.auth.tokens import (
    IssuedToken,
    TokenSettings,
    expiry_of,
    issue_token,
    verify_token,
)

SECRET = "test-secret-that-is-at-least-32-bytes-long"
NOW = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
NOW_TS = int(NOW.timestamp())
SETTINGS = TokenSettings(secret=SECRET)


def mint(**claims: Any) -> str:
    """A token signed with the shared secret the way any other HS256 issuer would."""
    return jwt.encode(claims, SECRET, algorithm="HS256")


def test_an_issued_token_verifies_back_to_the_same_principal() -> None:
    principal = Principal("provider-7", frozenset({Role.PROVIDER, Role.ADMIN}))

    issued = issue_token(principal, SETTINGS, now=NOW)

    assert verify_token(issued.access_token, SETTINGS, now=NOW) == principal


def test_an_issued_token_reports_the_bearer_type_and_its_lifetime_in_seconds() -> None:
    settings = TokenSettings(secret=SECRET, ttl=timedelta(minutes=15))

    issued = issue_token(Principal("p-1"), settings, now=NOW)

    assert issued.token_type == "Bearer"
    assert issued.expires_in == 900


def test_an_issued_token_holds_exactly_sub_roles_iat_and_exp_signed_with_hs256() -> None:
    issued = issue_token(Principal("p-1", frozenset({Role.PROVIDER})), SETTINGS, now=NOW)

    header = jwt.get_unverified_header(issued.access_token)
    claims = jwt.decode(issued.access_token, options={"verify_signature": False})
    assert header["alg"] == "HS256"
    assert claims == {"sub": "p-1", "roles": ["provider"], "iat": NOW_TS, "exp": NOW_TS + 3600}


def test_an_issued_token_lists_its_roles_in_a_stable_order() -> None:
    principal = Principal("a-1", frozenset({Role.PROVIDER, Role.ADMIN}))

    issued = issue_token(principal, SETTINGS, now=NOW)

    claims = jwt.decode(issued.access_token, options={"verify_signature": False})
    assert claims["roles"] == ["admin", "provider"]


def test_an_issued_token_names_the_issuer_and_audience_when_they_are_configured() -> None:
    settings = TokenSettings(secret=SECRET, issuer="bookings-api", audience="bookings")

    issued = issue_token(Principal("p-1"), settings, now=NOW)

    claims = jwt.decode(issued.access_token, options={"verify_signature": False})
    assert (claims["iss"], claims["aud"]) == ("bookings-api", "bookings")
    assert verify_token(issued.access_token, settings, now=NOW) == Principal("p-1")


def test_a_token_issued_with_the_real_clock_verifies_with_the_real_clock() -> None:
    issued = issue_token(Principal("p-1"), SETTINGS, now=datetime.now(UTC))

    assert verify_token(issued.access_token, SETTINGS) == Principal("p-1")


def test_a_token_minted_elsewhere_with_only_sub_roles_iat_exp_is_valid() -> None:
    issued_at = int(time.time())
    token = mint(sub="p-9", roles=["provider"], iat=issued_at, exp=issued_at + 300)

    assert verify_token(token, SETTINGS) == Principal("p-9", frozenset({Role.PROVIDER}))


def test_a_token_minted_elsewhere_without_iat_is_valid() -> None:
    token = mint(sub="p-9", roles=["admin"], exp=NOW_TS + 60)

    assert verify_token(token, SETTINGS, now=NOW).is_admin


def test_a_token_expired_by_more_than_the_leeway_is_rejected_as_expired() -> None:
    token = mint(sub="p-1", roles=["provider"], iat=NOW_TS - 3600, exp=NOW_TS - 11)

    with pytest.raises(ExpiredToken, match="Expired token") as caught:
        verify_token(token, SETTINGS, now=NOW)
    assert token not in str(caught.value)


def test_a_token_expired_by_less_than_the_leeway_is_accepted() -> None:
    token = mint(sub="p-1", roles=["provider"], iat=NOW_TS - 3600, exp=NOW_TS - 9)

    assert verify_token(token, SETTINGS, now=NOW) == Principal("p-1", frozenset({Role.PROVIDER}))


def test_a_token_expired_by_exactly_the_leeway_is_rejected() -> None:
    token = mint(sub="p-1", roles=["provider"], exp=NOW_TS - 10)

    with pytest.raises(ExpiredToken):
        verify_token(token, SETTINGS, now=NOW)


def test_without_leeway_a_token_is_expired_from_its_exp_second() -> None:
    settings = TokenSettings(secret=SECRET, leeway=timedelta(0))
    token = mint(sub="p-1", roles=[], exp=NOW_TS)

    with pytest.raises(ExpiredToken):
        verify_token(token, settings, now=NOW)
    assert verify_token(token, settings, now=NOW - timedelta(seconds=1)) == Principal("p-1")


def test_an_issued_token_expires_after_its_ttl_plus_leeway() -> None:
    issued = issue_token(Principal("p-1"), SETTINGS, now=NOW)
    last_valid = NOW + timedelta(hours=1, seconds=9)

    assert verify_token(issued.access_token, SETTINGS, now=last_valid) == Principal("p-1")
    with pytest.raises(ExpiredToken):
        verify_token(issued.access_token, SETTINGS, now=last_valid + timedelta(seconds=1))


def test_the_expiry_of_a_verified_token_is_its_exp() -> None:
    issued = issue_token(Principal("p-1"), SETTINGS, now=NOW)

    assert expiry_of(issued.access_token) == NOW_TS + 3600


def test_an_expiry_beyond_any_date_is_read_as_a_far_but_finite_one() -> None:
    token = mint(sub="p-1", roles=[], exp=10**400)

    assert NOW_TS < expiry_of(token) < float("inf")


def test_a_token_expired_on_the_real_clock_is_rejected_when_no_clock_is_given() -> None:
    real_now = int(time.time())
    token = mint(sub="p-1", roles=["provider"], iat=real_now - 120, exp=real_now - 60)

    with pytest.raises(ExpiredToken):
        verify_token(token, SETTINGS)


def test_a_token_issued_in_the_future_within_the_leeway_is_accepted() -> None:
    token = mint(sub="p-1", roles=[], iat=NOW_TS + 9, nbf=NOW_TS + 9, exp=NOW_TS + 3600)

    assert verify_token(token, SETTINGS, now=NOW) == Principal("p-1")


@pytest.mark.parametrize("claim", ["iat", "nbf"])
def test_a_token_not_valid_until_beyond_the_leeway_is_rejected(claim: str) -> None:
    token = mint(sub="p-1", roles=[], exp=NOW_TS + 3600, **{claim: NOW_TS + 11})

    with pytest.raises(InvalidToken, match=f"{claim} claim is in the future") as caught:
        verify_token(token, SETTINGS, now=NOW)
    assert type(caught.value) is InvalidToken


def test_unknown_roles_are_ignored() -> None:
    token = mint(sub="p-1", roles=["superuser", "provider", "Admin"], exp=NOW_TS + 60)

    assert verify_token(token, SETTINGS, now=NOW).roles == frozenset({Role.PROVIDER})


@pytest.mark.parametrize("roles", [[], ["superuser"], ["ADMIN", "owner"]])
def test_a_token_without_known_roles_yields_a_principal_with_no_roles(roles: list[str]) -> None:
    token = mint(sub="p-1", roles=roles, exp=NOW_TS + 60)

    principal = verify_token(token, SETTINGS, now=NOW)

    assert principal == Principal("p-1")
    assert not principal.has_any_role(Role.PROVIDER, Role.ADMIN)


def test_issuer_and_audience_in_a_token_are_ignored_when_not_configured() -> None:
    token = mint(sub="p-1", roles=["admin"], exp=NOW_TS + 60, iss="someone", aud="elsewhere")

    assert verify_token(token, SETTINGS, now=NOW).is_admin


def test_a_configured_audience_may_be_one_of_several_in_the_token() -> None:
    settings = TokenSettings(secret=SECRET, audience="bookings")
    token = mint(sub="p-1", roles=[], exp=NOW_TS + 60, aud=["billing", "bookings"])

    assert verify_token(token, settings, now=NOW) == Principal("p-1")


def test_a_naive_clock_is_a_programming_error() -> None:
    naive = datetime(2030, 1, 1)  # noqa: DTZ001 - the point of the test
    token = mint(sub="p-1", roles=[], exp=NOW_TS + 60)

    with pytest.raises(ValueError, match="timezone-aware"):
        issue_token(Principal("p-1"), SETTINGS, now=naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        verify_token(token, SETTINGS, now=naive)


def test_settings_default_to_a_one_hour_ttl_and_ten_seconds_of_leeway() -> None:
    assert (SETTINGS.ttl, SETTINGS.leeway) == (timedelta(hours=1), timedelta(seconds=10))
    assert (SETTINGS.issuer, SETTINGS.audience) == (None, None)


@pytest.mark.parametrize(
    ("kwargs", "complaint"),
    [
        ({"secret": ""}, "secret"),
        ({"secret": SECRET, "ttl": timedelta(0)}, "ttl"),
        ({"secret": SECRET, "leeway": timedelta(seconds=-1)}, "leeway"),
    ],
)
def test_settings_refuse_values_that_cannot_work(kwargs: dict[str, Any], complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        TokenSettings(**kwargs)


def test_neither_the_secret_nor_an_access_token_shows_in_a_repr() -> None:
    issued = issue_token(Principal("p-1"), SETTINGS, now=NOW)

    assert SECRET not in repr(SETTINGS)
    assert issued.access_token not in repr(issued)
    assert repr(issued) == "IssuedToken(token_type='Bearer', expires_in=3600)"
    assert isinstance(issued, IssuedToken)
