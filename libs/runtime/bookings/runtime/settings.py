"""Settings every service reads the same way (same names, same defaults, same checks).

Token settings are read by the services that verify tokens only: see `bookings.auth.settings`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal
from urllib.parse import urlsplit

from bookings.runtime.env import ConfigError, Env

AppEnv = Literal["development", "test", "production"]
LogFormat = Literal["console", "json"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
APP_ENVS: tuple[AppEnv, ...] = ("development", "test", "production")
LOG_FORMATS: tuple[LogFormat, ...] = ("console", "json")
LOG_LEVELS: tuple[LogLevel, ...] = ("DEBUG", "INFO", "WARNING", "ERROR")

DEFAULT_DATABASE_URL = "postgresql://postgres:postgres@localhost:5432/bookings"
# The schemes operators may give a PostgreSQL URL (many hosts hand out `postgres://`).
_DATABASE_URL_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
DEFAULT_REDIS_URL = "redis://localhost:6379/0"


@dataclass(frozen=True)
class CommonSettings:
    app_env: AppEnv
    # URLs may carry passwords: kept out of the repr, as tracebacks and test reports show it.
    database_url: str = field(repr=False)
    redis_url: str = field(repr=False)
    reminder_lead: timedelta
    # How long an idempotency key holds its first response: the API honours it, the worker
    # deletes keys older than it.
    idempotency_key_ttl: timedelta
    log_level: LogLevel
    log_format: LogFormat

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    @classmethod
    def from_env(cls, env: Env) -> CommonSettings:
        app_env = env.choice("APP_ENV", APP_ENVS[0], APP_ENVS)
        production = app_env == "production"
        default_log_format: LogFormat = "json" if production else "console"
        return cls(
            app_env=app_env,
            database_url=database_url(env),
            redis_url=redis_url(env),
            reminder_lead=env.seconds("REMINDER_LEAD_SECONDS", 600),
            idempotency_key_ttl=env.seconds("IDEMPOTENCY_KEY_TTL_SECONDS", 24 * 3600, minimum=1),
            log_level=env.choice("LOG_LEVEL", LOG_LEVELS[1], LOG_LEVELS),
            log_format=env.choice("LOG_FORMAT", default_log_format, LOG_FORMATS),
        )


def database_url(env: Env) -> str:
    """`DATABASE_URL` (the development default when unset): a PostgreSQL scheme and a host."""
    url = env.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    scheme, separator, _ = url.partition("://")
    if not separator or scheme not in _DATABASE_URL_SCHEMES or not urlsplit(url).hostname:
        raise ConfigError(
            "DATABASE_URL",
            "expected postgresql://USER:PASSWORD@HOST:PORT/DATABASE (postgres:// works too)",
        )
    return url


def redis_url(env: Env) -> str:
    """`REDIS_URL` (the development default when unset): a Redis scheme."""
    url = env.get("REDIS_URL", DEFAULT_REDIS_URL)
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("REDIS_URL", "expected redis://HOST:PORT/DB (or rediss://, unix://)")
    return url
