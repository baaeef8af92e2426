"""Reading the API's settings from env vars."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bookings.api.settings import ApiSettings
from bookings.runtime.env import ConfigError, Env


def settings(**variables: str) -> ApiSettings:
    return ApiSettings.from_env(Env(variables))


def test_defaults_serve_locally_with_the_contract_limits() -> None:
    parsed = settings()
    assert (parsed.host, parsed.port) == ("127.0.0.1", 3000)
    limits = parsed.rate_limits
    assert limits.enabled
    assert (limits.login_per_minute, limits.writes_per_minute, limits.reads_per_minute) == (
        20,
        120,
        600,
    )
    assert parsed.login_enabled
    assert parsed.cors_origins == ("*",)


def test_every_api_variable_is_read() -> None:
    parsed = settings(
        HOST="0.0.0.0",  # noqa: S104
        ALLOW_INSECURE_DEV="true",
        PORT="8080",
        API_WORKERS="3",
        DATABASE_POOL_SIZE="7",
        CORS_ORIGINS="https://a.example, https://b.example",
        RATE_LIMIT_ENABLED="false",
        RATE_LIMIT_LOGIN_PER_MINUTE="1",
        RATE_LIMIT_WRITES_PER_MINUTE="2",
        RATE_LIMIT_READS_PER_MINUTE="3",
        JWT_TTL_SECONDS="60",
        JWT_ISSUER="bookings",
        JWT_AUDIENCE="apps",
        IDEMPOTENCY_KEY_TTL_SECONDS="90",
    )
    assert (parsed.host, parsed.port, parsed.workers, parsed.database_pool_size) == (
        "0.0.0.0",  # noqa: S104
        8080,
        3,
        7,
    )
    assert parsed.cors_origins == ("https://a.example", "https://b.example")
    assert not parsed.rate_limits.enabled
    assert parsed.rate_limits.reads_per_minute == 3
    assert parsed.tokens.ttl == timedelta(seconds=60)
    assert (parsed.tokens.issuer, parsed.tokens.audience) == ("bookings", "apps")
    # The same setting the worker sweeps keys with (bookings.runtime.settings).
    assert parsed.common.idempotency_key_ttl == timedelta(seconds=90)


def test_production_turns_off_login_and_cors() -> None:
    parsed = settings(APP_ENV="production", JWT_SECRET="p" * 32)
    assert not parsed.login_enabled
    assert parsed.cors_origins == ()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PORT", "http"),
        ("PORT", "70000"),
        ("API_WORKERS", "0"),
        ("RATE_LIMIT_READS_PER_MINUTE", "0"),
        ("RATE_LIMIT_ENABLED", "maybe"),
        ("CORS_ORIGINS", "app.example"),
        ("JWT_TTL_SECONDS", "soon"),
        ("DATABASE_URL", "mysql://x"),
        ("APP_ENV", "staging"),
    ],
)
def test_a_bad_value_names_its_variable(variable: str, value: str) -> None:
    with pytest.raises(ConfigError) as raised:
        settings(**{variable: value})
    assert raised.value.variable == variable
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "api.example", "::"])  # noqa: S104
def test_development_refuses_a_host_other_machines_reach(host: str) -> None:
    with pytest.raises(ConfigError) as raised:
        settings(HOST=host)
    assert raised.value.variable == "HOST"
    assert "ALLOW_INSECURE_DEV" in str(raised.value)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_development_serves_on_loopback(host: str) -> None:
    assert settings(HOST=host).host == host


def test_production_or_an_explicit_opt_in_serves_on_any_host() -> None:
    production = settings(HOST="0.0.0.0", APP_ENV="production", JWT_SECRET="p" * 32)  # noqa: S104
    opted_in = settings(HOST="0.0.0.0", ALLOW_INSECURE_DEV="true")  # noqa: S104
    assert production.host == opted_in.host == "0.0.0.0"  # noqa: S104
