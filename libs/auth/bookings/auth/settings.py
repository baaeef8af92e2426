"""How the services that verify tokens (the API, the broadcaster) read their token settings, so a
token the API accepts is accepted by the broadcaster, and one it refuses is refused there too."""

from __future__ import annotations

import structlog

from bookings.auth.tokens import MIN_SECRET_BYTES, TokenSettings
from bookings.runtime.env import ConfigError, Env

# Development and tests only: production refuses to start without a real secret.
DEV_JWT_SECRET = "development-only-secret-never-use-in-production"  # noqa: S105


def token_settings(env: Env, *, production: bool) -> TokenSettings:
    """`JWT_SECRET`, `JWT_TTL_SECONDS`, `JWT_ISSUER`, `JWT_AUDIENCE`, `JWT_LEEWAY_SECONDS`."""
    return TokenSettings(
        secret=_secret(env, production=production),
        ttl=env.seconds("JWT_TTL_SECONDS", 3600, minimum=1),
        issuer=env.optional("JWT_ISSUER"),
        audience=env.optional("JWT_AUDIENCE"),
        leeway=env.seconds("JWT_LEEWAY_SECONDS", 10),
    )


def warn_about_open_audience(tokens: TokenSettings, *, production: bool) -> None:
    """One warning line at start when production accepts tokens minted for any audience."""
    if production and tokens.audience is None:
        structlog.get_logger(__name__).warning(
            "JWT_AUDIENCE is not set: tokens minted for any audience are accepted; set it (and"
            " JWT_ISSUER) to refuse tokens meant for other services"
        )


def _secret(env: Env, *, production: bool) -> str:
    secret = env.optional("JWT_SECRET")
    if not production:
        return secret or DEV_JWT_SECRET
    if secret is None:
        raise ConfigError("JWT_SECRET", "required when APP_ENV=production")
    if len(secret.encode()) < MIN_SECRET_BYTES or secret == DEV_JWT_SECRET:
        raise ConfigError(
            "JWT_SECRET", f"must be a secret of at least {MIN_SECRET_BYTES} bytes in production"
        )
    return secret
