"""verify_token on malformed tokens: strings that are no JWT, payloads that are no JSON object,
and any string or claims at all (hypothesis). Each is an auth error, never a PyJWT error."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookings.auth.errors import AuthError
from bookings.auth.testing_tokens import GOOD_CLAIMS, NOW, SECRET, SETTINGS, b64url, craft, rejected
from bookings.auth.tokens import verify_token

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
