"""Reading the bearer token out of an `Authorization` header (HTTP API and WebSocket handshake)."""

from __future__ import annotations

from bookings.auth.errors import InvalidToken, MissingToken

_SCHEME = "bearer"


def bearer_token(header: str | None) -> str:
    """The token of `Bearer <token>`; the scheme is matched case-insensitively (RFC 9110 §11.1).

    No header, or a blank one, is `MissingToken`; another scheme, a scheme with no token, or extra
    words after the token are `InvalidToken`. The token itself is returned unchecked.
    """
    if header is None or not header.strip():
        raise MissingToken()
    parts = header.split()
    if parts[0].lower() != _SCHEME:
        raise InvalidToken("the Authorization header must use the Bearer scheme")
    if len(parts) != 2:
        raise InvalidToken("the Authorization header must be `Bearer <token>`")
    return parts[1]
