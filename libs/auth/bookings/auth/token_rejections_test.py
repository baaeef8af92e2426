"""verify_token on every kind of bad token: each is an InvalidToken, never a PyJWT error."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookings.auth.errors import AuthError, InvalidToken
from bookings.auth.principal import Principal, Role
from bookings.auth.tokens import TokenSettings, verify_token

# 64 bytes, so that PyJWT does not warn when the HS512 test signs with it.
SECRET = "test-secret-long-enough-for-hs512-which-wants-sixty-four-bytes.."
NOW = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
NOW_TS = int(NOW.timestamp())
SETTINGS = TokenSettings(secret=SECRET)
GOOD_CLAIMS: dict[str, Any] = {
    "sub": "p-1",
    "roles": ["provider"],
    "iat": NOW_TS,
    "exp": NOW_TS + 60,
}


def claims(**changes: Any) -> dict[str, Any]:
    """GOOD_CLAIMS with `changes` applied; a change to `...` removes the claim."""
    merged = {**GOOD_CLAIMS, **changes}
    return {name: value for name, value in merged.items() if value is not ...}


def mint(payload: dict[str, Any], *, secret: str = SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(payload, secret, algorithm=algorithm)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def craft(header: object, payload: object, *, sign_hs256: bool = True) -> str:
    """A token built by hand, so its header says whatever the test wants."""
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(payload).encode())}"
    if not sign_hs256:
        return f"{signing_input}."
    digest = hmac.new(SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(digest)}"


def rejected(token: str, settings: TokenSettings = SETTINGS) -> InvalidToken:
    """Asserts `token` is refused as invalid (not expired) without echoing it back."""
    with pytest.raises(InvalidToken) as caught:
        verify_token(token, settings, now=NOW)
    error = caught.value
    assert type(error) is InvalidToken
    # No PyJWT exception rides along to show up in a traceback or a log.
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__
    if token:
        assert token not in str(error)
    return error


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


GOOD_HEADER = b64url(b'{"alg":"HS256","typ":"JWT"}')
GOOD_PAYLOAD = b64url(json.dumps(GOOD_CLAIMS).encode())


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("", id="empty"),
        pytest.param("garbage", id="one segment"),
        pytest.param(f"{GOOD_HEADER}.{GOOD_PAYLOAD}", id="two segments"),
        pytest.param("...", id="empty segments"),
        pytest.param(f"{GOOD_HEADER}.{GOOD_PAYLOAD}.sig.extra", id="four segments"),
        pytest.param(f"{GOOD_HEADER}.***.c2ln", id="payload not base64url"),
        pytest.param(f"%%%.{GOOD_PAYLOAD}.c2ln", id="header not base64url"),
        pytest.param(f"{GOOD_HEADER}.{GOOD_PAYLOAD}.@@@", id="signature not base64url"),
        pytest.param(f"{b64url(b'not json')}.{GOOD_PAYLOAD}.c2ln", id="header not json"),
        pytest.param(f"{b64url(b'[1, 2]')}.{GOOD_PAYLOAD}.c2ln", id="header not an object"),
        pytest.param("é.ü.ß", id="non-ascii"),
        pytest.param(f"{GOOD_HEADER}\n.{GOOD_PAYLOAD}.c2ln", id="newline inside"),
    ],
)
def test_a_malformed_token_string_is_rejected(token: str) -> None:
    rejected(token)


@pytest.mark.parametrize("payload", [[1, 2], "a string", 42, None])
def test_a_validly_signed_payload_that_is_not_a_json_object_is_rejected(payload: object) -> None:
    assert "not a well-formed JWT" in str(rejected(craft({"alg": "HS256"}, payload)))


def test_a_validly_signed_payload_that_is_not_json_is_rejected() -> None:
    signing_input = f"{GOOD_HEADER}.{b64url(b'{not json')}"
    digest = hmac.new(SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()

    assert "not a well-formed JWT" in str(rejected(f"{signing_input}.{b64url(digest)}"))


@given(st.text())
def test_no_string_escapes_verify_token_as_anything_but_an_auth_error(token: str) -> None:
    with pytest.raises(AuthError):
        verify_token(token, SETTINGS, now=NOW)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=10,
)


@given(
    header=st.fixed_dictionaries({"alg": st.just("HS256")}, optional={"typ": JSON, "kid": JSON}),
    payload=st.dictionaries(st.sampled_from(["sub", "roles", "iat", "nbf", "exp", "aud"]), JSON),
)
def test_a_correctly_signed_token_with_any_claims_gives_a_principal_or_an_auth_error(
    header: dict[str, object], payload: dict[str, object]
) -> None:
    try:
        principal = verify_token(craft(header, payload), SETTINGS, now=NOW)
    except AuthError:
        return
    assert principal.sub == payload["sub"]


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
