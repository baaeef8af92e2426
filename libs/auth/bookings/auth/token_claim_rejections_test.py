"""verify_token on signed tokens whose claims are wrong: missing, of the wrong type, never
expiring, the wrong issuer or audience, a sub that cannot be stored. Each is an InvalidToken,
never a PyJWT error."""

from __future__ import annotations

import pytest

from bookings.auth.testing_tokens import (
    NOW,
    NOW_TS,
    SECRET,
    SETTINGS,
    claims,
    craft,
    mint,
    rejected,
)
from bookings.auth.tokens import TokenSettings, verify_token


@pytest.mark.parametrize("claim", ["exp", "sub", "roles"])
def test_a_token_without_a_required_claim_is_rejected(claim: str) -> None:
    error = rejected(mint(claims(**{claim: ...})))

    assert f"the {claim} claim is missing" in str(error)


@pytest.mark.parametrize("exp", ["soon", "1893553445", True, [NOW_TS + 60], {"at": NOW_TS + 60}])
def test_a_non_numeric_exp_is_rejected(exp: object) -> None:
    assert "exp claim must be a number" in str(rejected(mint(claims(exp=exp))))


@pytest.mark.parametrize("exp", [float("nan"), float("inf")])
def test_an_exp_that_would_never_expire_is_rejected(exp: float) -> None:
    # Python's json accepts NaN and Infinity, and NaN compares false with everything.
    assert "exp claim must be a number" in str(rejected(mint(claims(exp=exp))))


@pytest.mark.parametrize("claim", ["iat", "nbf"])
@pytest.mark.parametrize("value", ["yesterday", False, float("nan")])
def test_a_non_numeric_iat_or_nbf_is_rejected(claim: str, value: object) -> None:
    assert f"{claim} claim must be a number" in str(rejected(mint(claims(**{claim: value}))))


@pytest.mark.parametrize(
    ("token_issuer", "reason"),
    [("someone-else", "wrong issuer"), (..., "iss claim is missing"), (42, "wrong issuer")],
)
def test_a_wrong_or_missing_issuer_is_rejected_when_one_is_configured(
    token_issuer: object, reason: str
) -> None:
    settings = TokenSettings(secret=SECRET, issuer="bookings-api")
    # Crafted by hand: PyJWT refuses to encode a non-string iss.
    token = craft({"alg": "HS256"}, claims(iss=token_issuer))

    assert reason in str(rejected(token, settings))


@pytest.mark.parametrize(
    ("token_audience", "reason"),
    [
        ("elsewhere", "wrong audience"),
        (["billing", "elsewhere"], "wrong audience"),
        (..., "aud claim is missing"),
    ],
)
def test_a_wrong_or_missing_audience_is_rejected_when_one_is_configured(
    token_audience: object, reason: str
) -> None:
    settings = TokenSettings(secret=SECRET, audience="bookings")

    assert reason in str(rejected(mint(claims(aud=token_audience)), settings))


@pytest.mark.parametrize("sub", ["", "   ", 42, ["p-1"], {"id": "p-1"}, True])
def test_a_sub_that_is_not_a_non_empty_string_is_rejected(sub: object) -> None:
    assert "sub claim must be a non-empty string" in str(rejected(mint(claims(sub=sub))))


def test_a_null_sub_counts_as_missing() -> None:
    assert "sub claim is missing" in str(rejected(mint(claims(sub=None))))


@pytest.mark.parametrize("roles", ["admin", "provider,admin", {"admin": True}, 1, True])
def test_roles_that_are_not_a_list_are_rejected(roles: object) -> None:
    assert "roles claim must be a list of strings" in str(rejected(mint(claims(roles=roles))))


@pytest.mark.parametrize("roles", [["admin", 1], [None], [["admin"]], ["provider", {"r": 1}]])
def test_roles_containing_non_strings_are_rejected(roles: list[object]) -> None:
    assert "roles claim must be a list of strings" in str(rejected(mint(claims(roles=roles))))


@pytest.mark.parametrize(
    ("sub", "reason"),
    [
        ("p\ud800", "no lone surrogates"),
        ("\udfff" * 3, "no lone surrogates"),
        ("p" * 5000, "at most 200 characters"),
        ("p\x001", "NUL"),
    ],
)
def test_a_signed_sub_that_cannot_be_stored_or_used_as_a_key_is_rejected(
    sub: str, reason: str
) -> None:
    # Crafted with json.dumps, which writes a lone surrogate as the escape `\ud800`, as any
    # issuer could; PyJWT's decoder reads it back as that lone surrogate.
    token = craft({"alg": "HS256", "typ": "JWT"}, claims(sub=sub))

    assert reason in str(rejected(token))


def test_a_sub_of_the_longest_allowed_length_is_accepted() -> None:
    token = mint(claims(sub="é" * 200))

    assert verify_token(token, SETTINGS, now=NOW).sub == "é" * 200
