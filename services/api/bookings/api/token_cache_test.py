"""Remembered tokens: hits skip verification, expiry still applies, bad tokens never stick."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bookings.api.token_cache import VerifiedTokens
from bookings.auth import ExpiredToken, InvalidToken, Principal, Role, TokenSettings, issue_token

SETTINGS = TokenSettings(secret="c" * 32, ttl=timedelta(minutes=5), leeway=timedelta(seconds=10))


def token_issued(at: datetime) -> str:
    principal = Principal("p1", frozenset({Role.PROVIDER}))
    return issue_token(principal, SETTINGS, now=at).access_token


def test_a_valid_token_gives_its_principal_every_time() -> None:
    cache = VerifiedTokens(SETTINGS)
    token = token_issued(datetime.now(UTC))
    assert (
        cache.principal_of(token)
        == cache.principal_of(token)
        == Principal("p1", frozenset({Role.PROVIDER}))
    )


def test_a_cached_token_stops_working_when_it_expires() -> None:
    issued = datetime.now(UTC)
    now = [issued.timestamp()]
    cache = VerifiedTokens(SETTINGS, clock=lambda: now[0])
    token = token_issued(issued)
    cache.principal_of(token)
    now[0] += timedelta(minutes=5, seconds=11).total_seconds()
    with pytest.raises(InvalidToken):
        cache.principal_of(token)


def test_an_expired_token_is_refused() -> None:
    cache = VerifiedTokens(SETTINGS)
    with pytest.raises(ExpiredToken):
        cache.principal_of(token_issued(datetime.now(UTC) - timedelta(hours=1)))


def test_a_forged_token_is_refused_even_after_a_good_one() -> None:
    cache = VerifiedTokens(SETTINGS)
    token = token_issued(datetime.now(UTC))
    cache.principal_of(token)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    with pytest.raises(InvalidToken):
        cache.principal_of(forged)
