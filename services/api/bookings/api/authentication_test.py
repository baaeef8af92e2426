"""Tokens at the edge: a signed token whose `sub` no storage can hold is a 401, never a 500."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from litestar.testing import TestClient

from bookings.api.settings import ApiSettings


def signed_token(secret: str, sub: str) -> str:
    """A validly signed HS256 token, written with json.dumps as another issuer might: a lone
    surrogate becomes the escape `\\ud800`, which PyJWT reads back as that surrogate."""

    def b64url(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    now = int(time.time())
    claims = {"sub": sub, "roles": ["provider"], "iat": now, "exp": now + 600}
    signing_input = (
        f"{b64url(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())}."
        f"{b64url(json.dumps(claims).encode())}"
    )
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


@pytest.mark.parametrize("sub", ["p\ud800", "\udfff", "p" * 5000, "p\x00"])
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/bookings/upcoming/list", None),
        (
            "POST",
            "/bookings",
            {"title": "T", "startTime": "2999-01-01T10:00:00Z", "endTime": "2999-01-01T11:00:00Z"},
        ),
    ],
)
def test_a_signed_sub_that_cannot_be_stored_or_keyed_is_a_401(
    client: TestClient[Any],
    settings: ApiSettings,
    sub: str,
    method: str,
    path: str,
    body: dict[str, str] | None,
) -> None:
    token = signed_token(settings.tokens.secret, sub)
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "edge"}

    response = client.request(method, path, json=body, headers=headers)

    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"].startswith("Invalid token: the sub claim")


def test_the_longest_storable_sub_books(client: TestClient[Any], settings: ApiSettings) -> None:
    token = signed_token(settings.tokens.secret, "é" * 200)
    response = client.post(
        "/bookings",
        json={"title": "T", "startTime": "2999-01-01T10:00:00Z", "endTime": "2999-01-01T11:00:00Z"},
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "longest"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["providerId"] == "é" * 200
