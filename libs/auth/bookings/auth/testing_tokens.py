"""Tokens for the tests of `verify_token` on bad tokens: good claims to spoil, tokens minted with
PyJWT or crafted by hand, and the check that a token is refused as an InvalidToken only."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

import jwt
import pytest

from bookings.auth.errors import InvalidToken
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
