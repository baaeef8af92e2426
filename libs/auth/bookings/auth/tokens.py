"""Issuing and verifying the platform's access tokens: HS256 JWTs with `sub` and `roles`.

PyJWT checks the encoding, the algorithm, the signature and (when configured) `iss` and `aud`.
The time claims are checked here against an injectable clock, since PyJWT only reads the real one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import jwt

from bookings.auth.errors import ExpiredToken, InvalidToken
from bookings.auth.principal import Principal
from bookings.auth.subjects import subject_problem

ALGORITHM: Final = "HS256"
# RFC 7518 §3.2: an HS256 key must be at least as long as the hash. Settings parsers refuse
# shorter secrets in production; PyJWT warns about them everywhere.
MIN_SECRET_BYTES: Final = 32
# Later expiries are read as this one (year 33658), so any `exp` fits in a float.
_LAST_EXPIRY: Final = 10**12

# PyJWT's own message for each failure, replaced by ours; first match wins (subclasses first).
_PYJWT_REASONS: Final[tuple[tuple[type[jwt.PyJWTError], str], ...]] = (
    (jwt.InvalidSignatureError, "signature verification failed"),
    (jwt.InvalidAlgorithmError, f"only {ALGORITHM} tokens are accepted"),
    (jwt.InvalidIssuerError, "wrong issuer"),
    (jwt.InvalidAudienceError, "wrong audience"),
    (jwt.DecodeError, "not a well-formed JWT"),
)


@dataclass(frozen=True)
class TokenSettings:
    """How tokens are signed and checked; built once from the service's settings."""

    secret: str = field(repr=False)
    ttl: timedelta = timedelta(hours=1)
    issuer: str | None = None
    audience: str | None = None
    # Tolerated clock skew between the issuer and the verifier.
    leeway: timedelta = timedelta(seconds=10)

    def __post_init__(self) -> None:
        if not self.secret:
            raise ValueError("the token secret must not be empty")
        if self.ttl < timedelta(seconds=1):
            raise ValueError("the token ttl must be at least one second")
        if self.leeway < timedelta(0):
            raise ValueError("the token leeway must not be negative")


@dataclass(frozen=True, kw_only=True)
class IssuedToken:
    """What a login returns: the token, its scheme and its lifetime in seconds."""

    access_token: str = field(repr=False)
    token_type: str = "Bearer"
    expires_in: int


def issue_token(principal: Principal, settings: TokenSettings, *, now: datetime) -> IssuedToken:
    """Signs a token for `principal`, valid from `now` (timezone-aware) for `settings.ttl`."""
    issued_at = math.floor(_aware(now).timestamp())
    expires_in = int(settings.ttl.total_seconds())
    claims: dict[str, Any] = {
        "sub": principal.sub,
        "roles": sorted(role.value for role in principal.roles),
        "iat": issued_at,
        "exp": issued_at + expires_in,
    }
    if settings.issuer is not None:
        claims["iss"] = settings.issuer
    if settings.audience is not None:
        claims["aud"] = settings.audience
    token = jwt.encode(claims, settings.secret, algorithm=ALGORITHM)
    return IssuedToken(access_token=token, expires_in=expires_in)


def verify_token(token: str, settings: TokenSettings, *, now: datetime | None = None) -> Principal:
    """The principal a token names, or `InvalidToken`/`ExpiredToken`; nothing else escapes.

    `now` (timezone-aware) defaults to the real clock. Roles this platform does not know are
    dropped, so a token may yield a principal with no roles: whether that is enough is the
    caller's decision.
    """
    at = datetime.now(UTC) if now is None else _aware(now)
    claims = _decode(token, settings)
    _check_times(claims, at.timestamp(), settings.leeway.total_seconds())
    return Principal.with_known_roles(_subject(claims), _role_names(claims))


def expiry_of(verified_token: str) -> float:
    """When a token that `verify_token` accepted expires, in POSIX seconds (its `exp`).

    The signature is not checked again: call it after `verify_token`, never instead of it.
    """
    expires = jwt.decode(verified_token, options={"verify_signature": False})["exp"]
    return float(min(expires, _LAST_EXPIRY))


def _decode(token: str, settings: TokenSettings) -> dict[str, Any]:
    if not isinstance(token, str) or not token:
        raise InvalidToken("not a well-formed JWT")
    required = ["exp", "sub", "roles"]
    if settings.issuer is not None:
        required.append("iss")
    if settings.audience is not None:
        required.append("aud")
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            settings.secret,
            algorithms=[ALGORITHM],
            issuer=settings.issuer,
            audience=settings.audience,
            options={
                "require": required,
                # Checked by _check_times against the injected clock, and by _subject.
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
                "verify_sub": False,
                # A token carrying `aud` is fine when this deployment names no audience.
                "verify_aud": settings.audience is not None,
            },
        )
    except jwt.MissingRequiredClaimError as error:
        # The claim name comes from our own `required` list, never from the token.
        raise InvalidToken(f"the {error.claim} claim is missing") from None
    except jwt.PyJWTError as error:
        raise InvalidToken(_reason(error)) from None
    return claims


def _reason(error: jwt.PyJWTError) -> str:
    for kind, reason in _PYJWT_REASONS:
        if isinstance(error, kind):
            return reason
    return "the token was rejected"


def _check_times(claims: dict[str, Any], now: float, leeway: float) -> None:
    # Same boundaries as PyJWT: expired once now - leeway reaches exp; not yet valid while
    # iat/nbf lie beyond now + leeway.
    if now - leeway >= _timestamp(claims, "exp"):
        raise ExpiredToken()
    for name in ("iat", "nbf"):
        if name in claims and _timestamp(claims, name) > now + leeway:
            raise InvalidToken(f"the {name} claim is in the future")


def _timestamp(claims: dict[str, Any], name: str) -> float:
    value = claims[name]
    # bool is an int to Python but not a NumericDate; NaN and infinity would never expire. Ints
    # stay ints: a huge one compares fine but would overflow a float.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidToken(f"the {name} claim must be a number of seconds")
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidToken(f"the {name} claim must be a number of seconds")
    return value


def _subject(claims: dict[str, Any]) -> str:
    sub = claims["sub"]
    problem = subject_problem(sub)
    if problem is not None:
        raise InvalidToken(f"the sub claim {problem}")
    return str(sub)


def _role_names(claims: dict[str, Any]) -> list[str]:
    roles = claims["roles"]
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        raise InvalidToken("the roles claim must be a list of strings")
    return roles


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("`now` must be a timezone-aware datetime")
    return now
