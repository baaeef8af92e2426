from datetime import timedelta

import pytest

from bookings.runtime.env import ConfigError, Env
from bookings.runtime.settings import CommonSettings, database_url


def test_development_defaults_match_the_documented_ones() -> None:
    settings = CommonSettings.from_env(Env({}))
    assert settings.app_env == "development"
    assert settings.database_url == "postgresql://postgres:postgres@localhost:5432/bookings"
    assert settings.redis_url == "redis://localhost:6379/0"
    assert settings.reminder_lead == timedelta(seconds=600)
    assert (settings.log_level, settings.log_format) == ("INFO", "console")


def test_production_logs_json() -> None:
    settings = CommonSettings.from_env(Env({"APP_ENV": "production"}))
    assert settings.is_production
    assert settings.log_format == "json"


@pytest.mark.parametrize(
    ("variable", "value"),
    [("DATABASE_URL", "mysql://x"), ("REDIS_URL", "http://x"), ("APP_ENV", "staging")],
)
def test_bad_urls_and_environments_are_named(variable: str, value: str) -> None:
    with pytest.raises(ConfigError) as error:
        CommonSettings.from_env(Env({variable: value}))
    assert error.value.variable == variable


@pytest.mark.parametrize(
    "url", ["postgres://u:p@db/bookings", "postgresql+psycopg://u:p@db:5433/bookings"]
)
def test_every_postgresql_spelling_is_accepted_as_it_is(url: str) -> None:
    assert database_url(Env({"DATABASE_URL": url})) == url


@pytest.mark.parametrize("url", ["postgresql:///bookings", "localhost:5432/bookings"])
def test_a_database_url_without_a_scheme_or_a_host_is_one_line_naming_it(url: str) -> None:
    with pytest.raises(ConfigError) as error:
        database_url(Env({"DATABASE_URL": url}))
    assert error.value.variable == "DATABASE_URL"
    assert "\n" not in str(error.value)


def test_urls_which_may_hold_passwords_are_not_in_the_repr() -> None:
    env = {"DATABASE_URL": "postgresql://u:db-secret@h/d", "REDIS_URL": "redis://:redis-secret@h"}
    shown = repr(CommonSettings.from_env(Env(env)))
    assert "db-secret" not in shown
    assert "redis-secret" not in shown
