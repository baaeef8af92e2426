"""Authentication failures: typed, with messages safe to show a client and to log.

A message names what was wrong with the credentials, never the token itself, so callers may put
`str(error)` in a 401 response or a log line as it is.
"""

from __future__ import annotations

from typing import ClassVar


class AuthError(Exception):
    """The request could not be authenticated (HTTP 401, WebSocket close 4401)."""

    summary: ClassVar[str] = "Authentication failed"

    def __init__(self, reason: str | None = None) -> None:
        self.reason = reason
        super().__init__(self.summary if reason is None else f"{self.summary}: {reason}")

    @property
    def message(self) -> str:
        return str(self)


class MissingToken(AuthError):
    """No credentials were given at all."""

    summary = "Missing bearer token"


class InvalidToken(AuthError):
    """Credentials were given but cannot be trusted: malformed, forged or with bad claims."""

    summary = "Invalid token"


class ExpiredToken(InvalidToken):
    """A genuine token whose `exp` has passed, beyond the allowed clock leeway."""

    summary = "Expired token"
