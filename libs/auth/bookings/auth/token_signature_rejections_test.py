"""verify_token on tokens with a bad signature or algorithm: another secret, a changed payload,
alg none, any alg but HS256 (key confusion). Each is an InvalidToken, never a PyJWT error."""

from __future__ import annotations

import json

import pytest

from bookings.auth.principal import Principal, Role
from bookings.auth.testing_tokens import (
    GOOD_CLAIMS,
    NOW,
    SETTINGS,
    b64url,
    claims,
    craft,
    mint,
    rejected,
)
from bookings.auth.tokens import verify_token


def test_the_hand_crafting_helper_makes_tokens_that_verify() -> None:
    # Guards the tests below: their tokens fail for the reason they change, not for the crafting.
    token = craft({"alg": "HS256", "typ": "JWT"}, GOOD_CLAIMS)

    assert verify_token(token, SETTINGS, now=NOW) == Principal("p-1", frozenset({Role.PROVIDER}))


def test_a_token_signed_with_another_secret_is_rejected() -> None:
    token = mint(GOOD_CLAIMS, secret="another-secret-that-is-also-32-bytes-long")

    assert "signature verification failed" in str(rejected(token))


def test_a_token_whose_payload_was_changed_after_signing_is_rejected() -> None:
    header, _, signature = mint(GOOD_CLAIMS).split(".")
    forged_payload = b64url(json.dumps(claims(roles=["admin"])).encode())

    assert "signature verification failed" in str(
        rejected(f"{header}.{forged_payload}.{signature}")
    )


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_an_unsigned_alg_none_token_is_rejected(alg: str) -> None:
    token = craft({"alg": alg, "typ": "JWT"}, GOOD_CLAIMS, sign_hs256=False)

    assert "only HS256" in str(rejected(token))


def test_a_token_signed_with_hs512_and_the_same_secret_is_rejected() -> None:
    token = mint(GOOD_CLAIMS, algorithm="HS512")

    assert "only HS256" in str(rejected(token))


@pytest.mark.parametrize("alg", ["HS384", "HS512", "RS256", "ES256", "PS256", "hs256", "", None])
def test_a_header_naming_another_alg_is_rejected_even_with_a_valid_hs256_signature(
    alg: str | None,
) -> None:
    # Key confusion: the signature would check out as HS256, but the header must say HS256 too.
    token = craft({"alg": alg, "typ": "JWT"}, GOOD_CLAIMS)

    assert "only HS256" in str(rejected(token))


def test_a_header_without_alg_is_rejected() -> None:
    rejected(craft({"typ": "JWT"}, GOOD_CLAIMS))
