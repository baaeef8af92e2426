from datetime import timedelta

import pytest
from structlog.testing import capture_logs

from bookings.auth.settings import DEV_JWT_SECRET, token_settings, warn_about_open_audience
from bookings.runtime.env import ConfigError, Env

STRONG_SECRET = "s" * 32


def test_development_defaults() -> None:
    tokens = token_settings(Env({}), production=False)
    assert tokens.secret == DEV_JWT_SECRET
    assert (tokens.ttl, tokens.leeway) == (timedelta(hours=1), timedelta(seconds=10))
    assert (tokens.issuer, tokens.audience) == (None, None)


def test_every_token_variable_is_read() -> None:
    env = Env(
        {
            "JWT_SECRET": STRONG_SECRET,
            "JWT_TTL_SECONDS": "60",
            "JWT_ISSUER": "bookings",
            "JWT_AUDIENCE": "apps",
            "JWT_LEEWAY_SECONDS": "2.5",
        }
    )
    tokens = token_settings(env, production=True)
    assert tokens.secret == STRONG_SECRET
    assert (tokens.ttl, tokens.leeway) == (timedelta(seconds=60), timedelta(seconds=2.5))
    assert (tokens.issuer, tokens.audience) == ("bookings", "apps")


@pytest.mark.parametrize("secret", [None, "short", DEV_JWT_SECRET])
def test_production_refuses_a_missing_short_or_default_secret(secret: str | None) -> None:
    values = {"JWT_SECRET": secret} if secret else {}
    with pytest.raises(ConfigError) as error:
        token_settings(Env(values), production=True)
    assert error.value.variable == "JWT_SECRET"


@pytest.mark.parametrize(
    ("variable", "value"), [("JWT_LEEWAY_SECONDS", "soon"), ("JWT_TTL_SECONDS", "0")]
)
def test_a_bad_value_is_named(variable: str, value: str) -> None:
    with pytest.raises(ConfigError) as error:
        token_settings(Env({variable: value}), production=False)
    assert error.value.variable == variable


def test_secret_is_not_in_the_repr() -> None:
    assert "do-not-print-me" not in repr(
        token_settings(Env({"JWT_SECRET": "do-not-print-me"}), production=False)
    )


@pytest.mark.parametrize(
    ("variables", "production", "warned"),
    [
        ({"JWT_SECRET": STRONG_SECRET}, True, True),
        ({"JWT_SECRET": STRONG_SECRET, "JWT_AUDIENCE": "apps"}, True, False),
        ({}, False, False),
    ],
)
def test_production_without_an_audience_says_so_once(
    variables: dict[str, str], production: bool, warned: bool
) -> None:
    tokens = token_settings(Env(variables), production=production)
    with capture_logs() as lines:
        warn_about_open_audience(tokens, production=production)
    assert [line["log_level"] for line in lines] == (["warning"] if warned else [])
