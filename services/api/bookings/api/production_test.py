"""Production mode: no dev login, real secrets required, JSON logs, no CORS by default."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from bookings.api.app import create_app
from bookings.api.conftest import SettingsFactory
from bookings.runtime.env import ConfigError

SECRET = "s" * 32


def test_login_is_not_found_in_production(make_settings: SettingsFactory) -> None:
    settings = make_settings(APP_ENV="production", JWT_SECRET=SECRET)
    with TestClient(create_app(settings)) as client:
        response = client.post("/auth/login", json={"sub": "x", "roles": ["admin"]})
        schema = client.get("/schema/openapi.json").json()
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "/auth/login" not in schema["paths"]


def test_login_works_in_development(make_settings: SettingsFactory) -> None:
    with TestClient(create_app(make_settings(APP_ENV="development"))) as client:
        response = client.post("/auth/login", json={"sub": "dev", "roles": ["provider", "x"]})
        token = response.json()["accessToken"]
        listed = client.get("/bookings/upcoming/list", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json()["tokenType"] == "Bearer"
    assert listed.status_code == 200


@pytest.mark.parametrize("secret", [None, "short", "x" * 31])
def test_production_refuses_a_missing_or_short_secret(
    make_settings: SettingsFactory, secret: str | None
) -> None:
    variables = {"APP_ENV": "production"}
    if secret is not None:
        variables["JWT_SECRET"] = secret
    with pytest.raises(ConfigError) as raised:
        make_settings(**variables)
    assert raised.value.variable == "JWT_SECRET"


def test_production_allows_no_cross_origin_requests_by_default(
    make_settings: SettingsFactory,
) -> None:
    settings = make_settings(APP_ENV="production", JWT_SECRET=SECRET)
    with TestClient(create_app(settings)) as client:
        response = client.get("/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers


def test_configured_origins_get_cors_headers(make_settings: SettingsFactory) -> None:
    settings = make_settings(
        APP_ENV="production", JWT_SECRET=SECRET, CORS_ORIGINS="https://app.example"
    )
    with TestClient(create_app(settings)) as client:
        allowed = client.get("/health", headers={"Origin": "https://app.example"})
        refused = client.get("/health", headers={"Origin": "https://evil.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    assert "access-control-allow-origin" not in refused.headers


@pytest.mark.parametrize("sub", ["", " ", "a\u0000"])
def test_login_refuses_a_blank_or_unstorable_sub(make_settings: SettingsFactory, sub: str) -> None:
    with TestClient(create_app(make_settings())) as client:
        response = client.post("/auth/login", json={"sub": sub, "roles": ["provider"]})
    assert response.status_code == 422
