"""The booking routes' tokens: missing, malformed, expired or without a booking role."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient

from bookings.api.conftest import TokenFactory
from bookings.auth import Principal, Role, issue_token

Client = TestClient[Any]


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Basic abc", "Bearer", "Bearer not-a-jwt", "Bearer a.b.c extra"],
)
def test_requests_without_a_valid_token_get_401_with_a_challenge(
    client: Client, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = client.get("/bookings/upcoming/list", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.headers["content-type"] == "application/problem+json"


def test_an_expired_token_gets_401_saying_so(client: Client, settings: Any) -> None:
    old = datetime.now(UTC) - timedelta(days=1)
    token = issue_token(Principal("p1", frozenset({Role.PROVIDER})), settings.tokens, now=old)
    response = client.get(
        "/bookings/upcoming/list", headers={"Authorization": f"Bearer {token.access_token}"}
    )
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_a_token_without_a_booking_role_gets_403(client: Client, auth: TokenFactory) -> None:
    response = client.get("/bookings/upcoming/list", headers=auth("p1", "auditor"))
    assert response.status_code == 403


def test_a_token_whose_sub_holds_nul_is_a_401(client: Client, auth: TokenFactory) -> None:
    response = client.get("/bookings/upcoming/list", headers=auth("evil\u0000"))
    assert response.status_code == 401
