"""`POST /auth/login` (development and test): the token under both spellings of its fields."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient


def test_the_token_is_answered_under_camel_case_and_rfc_6749_names(
    client: TestClient[Any],
) -> None:
    response = client.post("/auth/login", json={"sub": "oauth-client", "roles": ["provider"]})
    body = response.json()
    listed = client.get(
        "/bookings/upcoming/list", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert response.status_code == 200
    assert body["access_token"] == body["accessToken"]
    assert body["token_type"] == body["tokenType"] == "Bearer"
    assert body["expires_in"] == body["expiresIn"] == 3600
    assert listed.status_code == 200


def test_the_document_lists_both_spellings(client: TestClient[Any]) -> None:
    schema = client.get("/schema/openapi.json").json()["components"]["schemas"]["TokenResponse"]
    assert {
        "accessToken",
        "access_token",
        "tokenType",
        "token_type",
        "expiresIn",
        "expires_in",
    } <= set(schema["required"])


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b'{"sub":"' + b"x" * 201 + b'"}', 422),
        # A lone surrogate, as JSON can escape it and as no UTF-8 storage can hold it.
        (b'{"sub":"p\\ud800"}', 400),
    ],
)
def test_a_sub_that_no_service_could_accept_gets_no_token(
    client: TestClient[Any], body: bytes, status: int
) -> None:
    response = client.post(
        "/auth/login", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
