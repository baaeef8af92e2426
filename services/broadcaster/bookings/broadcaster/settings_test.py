from __future__ import annotations

import pytest

from bookings.broadcaster.settings import BroadcasterSettings
from bookings.runtime.env import ConfigError, Env


def test_defaults_listen_on_localhost_3001_with_five_second_auth() -> None:
    settings = BroadcasterSettings.from_env(Env({}))
    assert (settings.host, settings.port) == ("127.0.0.1", 3001)
    assert settings.auth_timeout_s == 5.0
    assert settings.max_buffer_bytes == 1024 * 1024
    assert settings.common.redis_url == "redis://localhost:6379/0"


def test_connection_limits_default_to_10000_total_20_per_subject_and_32_replays() -> None:
    settings = BroadcasterSettings.from_env(Env({}))
    assert settings.max_connections == 10_000
    assert settings.max_connections_per_subject == 20
    assert settings.max_concurrent_replays == 32


def test_connection_limits_come_from_the_environment() -> None:
    env = {
        "BROADCASTER_MAX_CONNECTIONS": "500",
        "BROADCASTER_MAX_CONNECTIONS_PER_SUBJECT": "3",
        "BROADCASTER_MAX_CONCURRENT_REPLAYS": "4",
    }
    settings = BroadcasterSettings.from_env(Env(env))
    assert (
        settings.max_connections,
        settings.max_connections_per_subject,
        settings.max_concurrent_replays,
    ) == (500, 3, 4)


def test_values_come_from_the_environment() -> None:
    settings = BroadcasterSettings.from_env(
        Env({"HOST": "10.1.2.3", "PORT": "9000", "BROADCASTER_MAX_BUFFER_BYTES": "65536"})
    )
    assert (settings.host, settings.port, settings.max_buffer_bytes) == ("10.1.2.3", 9000, 65536)


def test_tokens_are_checked_like_the_apis() -> None:
    env = {"JWT_ISSUER": "bookings", "JWT_AUDIENCE": "apps", "JWT_LEEWAY_SECONDS": "3"}
    tokens = BroadcasterSettings.from_env(Env(env)).tokens
    assert (tokens.issuer, tokens.audience, tokens.leeway.total_seconds()) == (
        "bookings",
        "apps",
        3,
    )


def test_production_refuses_to_start_without_a_secret() -> None:
    with pytest.raises(ConfigError) as error:
        BroadcasterSettings.from_env(Env({"APP_ENV": "production"}))
    assert error.value.variable == "JWT_SECRET"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORT", "70000"),
        ("BROADCASTER_AUTH_TIMEOUT_SECONDS", "soon"),
        ("BROADCASTER_MAX_BUFFER_BYTES", "10"),
        ("BROADCASTER_MAX_CONNECTIONS", "0"),
        ("BROADCASTER_MAX_CONNECTIONS", "many"),
        ("BROADCASTER_MAX_CONNECTIONS_PER_SUBJECT", "-1"),
        ("BROADCASTER_MAX_CONCURRENT_REPLAYS", "1.5"),
    ],
)
def test_bad_value_names_its_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as raised:
        BroadcasterSettings.from_env(Env({name: value}))
    assert raised.value.variable == name


def test_production_refuses_the_development_secret() -> None:
    with pytest.raises(ConfigError) as raised:
        BroadcasterSettings.from_env(Env({"APP_ENV": "production"}))
    assert raised.value.variable == "JWT_SECRET"


def test_settings_never_show_the_secret() -> None:
    settings = BroadcasterSettings.from_env(Env({"JWT_SECRET": "s" * 40}))
    assert "s" * 40 not in repr(settings)
