from datetime import timedelta

import pytest

from bookings.runtime.env import ConfigError, Env
from bookings.runtime.settings import DEV_JWT_SECRET, CommonSettings

STRONG_SECRET = "s" * 32


def test_development_defaults_match_the_documented_ones() -> None:
    settings = CommonSettings.from_env(Env({}))
    assert settings.app_env == "development"
    assert settings.database_url == "postgresql://postgres:postgres@localhost:5432/bookings"
    assert settings.redis_url == "redis://localhost:6379/0"
    assert settings.jwt_secret == DEV_JWT_SECRET
    assert settings.reminder_lead == timedelta(seconds=600)
    assert (settings.log_level, settings.log_format) == ("INFO", "console")


def test_production_logs_json_and_needs_a_real_secret() -> None:
    settings = CommonSettings.from_env(Env({"APP_ENV": "production", "JWT_SECRET": STRONG_SECRET}))
    assert settings.is_production
    assert settings.log_format == "json"


@pytest.mark.parametrize("secret", [None, "short", DEV_JWT_SECRET])
def test_production_refuses_a_missing_short_or_default_secret(secret: str | None) -> None:
    values = {"APP_ENV": "production"} | ({"JWT_SECRET": secret} if secret else {})
    with pytest.raises(ConfigError) as error:
        CommonSettings.from_env(Env(values))
    assert error.value.variable == "JWT_SECRET"


def test_secret_is_not_in_the_repr() -> None:
    settings = CommonSettings.from_env(Env({"JWT_SECRET": "do-not-print-me"}))
    assert "do-not-print-me" not in repr(settings)


@pytest.mark.parametrize(
    ("variable", "value"),
    [("DATABASE_URL", "mysql://x"), ("REDIS_URL", "http://x"), ("APP_ENV", "staging")],
)
def test_bad_urls_and_environments_are_named(variable: str, value: str) -> None:
    with pytest.raises(ConfigError) as error:
        CommonSettings.from_env(Env({variable: value}))
    assert error.value.variable == variable
