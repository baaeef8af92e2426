"""The API's settings: the shared ones plus its own, read from env vars once at start."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from bookings.auth import TokenSettings
from bookings.auth.settings import token_settings
from bookings.runtime.env import ConfigError, Env
from bookings.runtime.settings import CommonSettings

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3000
DEFAULT_CALENDAR_UID_HOST = "bookings.localhost"


@dataclass(frozen=True)
class RateLimits:
    """Requests allowed per minute: login per client IP, reads and writes per principal."""

    enabled: bool = True
    login_per_minute: int = 20
    writes_per_minute: int = 120
    reads_per_minute: int = 600

    @classmethod
    def from_env(cls, env: Env) -> RateLimits:
        return cls(
            enabled=env.flag("RATE_LIMIT_ENABLED", True),
            login_per_minute=env.integer("RATE_LIMIT_LOGIN_PER_MINUTE", 20, minimum=1),
            writes_per_minute=env.integer("RATE_LIMIT_WRITES_PER_MINUTE", 120, minimum=1),
            reads_per_minute=env.integer("RATE_LIMIT_READS_PER_MINUTE", 600, minimum=1),
        )


@dataclass(frozen=True)
class ApiSettings:
    common: CommonSettings
    host: str
    port: int
    # Server processes; more than one shares /metrics through prometheus multiprocess files.
    workers: int
    # Connections per worker process, all opened at start and kept (see README, "Sizing").
    database_pool_size: int
    cors_origins: tuple[str, ...]
    rate_limits: RateLimits
    tokens: TokenSettings
    # Where clients reach the API, for the links it hands out (calendar feeds); None: the
    # address each request was sent to.
    public_base_url: str | None
    # The domain part of calendar events' UIDs: keep it stable, or calendars duplicate events.
    calendar_uid_host: str

    @property
    def login_enabled(self) -> bool:
        """`POST /auth/login` mints tokens for anyone: development and tests only."""
        return not self.common.is_production

    @classmethod
    def from_env(cls, env: Env | None = None) -> ApiSettings:
        env = Env() if env is None else env
        common = CommonSettings.from_env(env)
        return cls(
            common=common,
            host=_host(env, production=common.is_production),
            port=env.integer("PORT", DEFAULT_PORT, minimum=1, maximum=65535),
            workers=env.integer("API_WORKERS", 1, minimum=1, maximum=64),
            database_pool_size=env.integer("DATABASE_POOL_SIZE", 10, minimum=1, maximum=200),
            cors_origins=_cors_origins(env, production=common.is_production),
            rate_limits=RateLimits.from_env(env),
            tokens=token_settings(env, production=common.is_production),
            public_base_url=_public_base_url(env),
            calendar_uid_host=_calendar_uid_host(env),
        )


def _host(env: Env, *, production: bool) -> str:
    """`HOST`. Outside production the API serves `/auth/login`, which mints admin tokens signed
    with a public development secret: it listens on loopback only, unless told otherwise."""
    host = env.get("HOST", DEFAULT_HOST)
    if production or _is_loopback(host) or env.flag("ALLOW_INSECURE_DEV", False):
        return host
    raise ConfigError(
        "HOST",
        f"{host} is reachable from other machines, and APP_ENV={env.get('APP_ENV', 'development')}"
        " serves a login that mints admin tokens: use 127.0.0.1, set APP_ENV=production, or set"
        " ALLOW_INSECURE_DEV=true to serve it anyway",
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _cors_origins(env: Env, *, production: bool) -> tuple[str, ...]:
    """`CORS_ORIGINS`, comma-separated; by default any origin in development, none in production."""
    raw = env.optional("CORS_ORIGINS")
    if raw is None:
        return () if production else ("*",)
    origins = tuple(origin.strip() for origin in raw.split(",") if origin.strip())
    for origin in origins:
        if origin != "*" and not origin.startswith(("http://", "https://")):
            raise ConfigError("CORS_ORIGINS", f"expected http(s) origins or *, got {origin!r}")
    return origins


def _public_base_url(env: Env) -> str | None:
    """`PUBLIC_BASE_URL`: an http(s) URL with a host and no query, e.g. https://api.example.com."""
    raw = env.optional("PUBLIC_BASE_URL")
    if raw is None:
        return None
    url = raw.rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(
            "PUBLIC_BASE_URL",
            f"expected an http(s) URL such as https://api.example.com, got {raw!r}",
        )
    return url


# A DNS name: dot-separated labels of letters, digits and inner hyphens, 253 characters at most.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST_NAME = re.compile(rf"(?=.{{1,253}}\Z){_LABEL}(?:\.{_LABEL})*")


def _calendar_uid_host(env: Env) -> str:
    """`CALENDAR_UID_HOST`: a DNS name (RFC 5545 suggests the domain of the feed's publisher)."""
    host = env.get("CALENDAR_UID_HOST", DEFAULT_CALENDAR_UID_HOST)
    if not _HOST_NAME.fullmatch(host):
        raise ConfigError(
            "CALENDAR_UID_HOST", f"expected a host name such as bookings.example.com, got {host!r}"
        )
    return host
