"""Who is on the other end of a connection: the token from the `Authorization` header,
`?token=`, or a first `{"type": "auth", "token": ...}` message, checked like the API's.

Failures are close codes, 4401 (no or bad token) and 4403 (a token with no role that may
listen); the close reason says what was wrong, never the token. A token is good until it
expires: the connection is then closed with 4401, and the client reconnects with a fresh token
and its last event id, missing nothing.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qs, urlsplit

import msgspec
from websockets.asyncio.server import ServerConnection

from bookings.auth import (
    AuthError,
    InvalidToken,
    Principal,
    TokenSettings,
    bearer_token,
    expiry_of,
    verify_token,
)

UNAUTHORIZED = 4401
FORBIDDEN = 4403
BAD_REQUEST = 4400


class _AuthMessage(msgspec.Struct, rename="camel"):
    type: Literal["auth"]
    token: str
    last_event_id: str | None = None


_auth_decoder = msgspec.json.Decoder(_AuthMessage)


class Rejected(Exception):
    """The connection must be closed with `code`; `reason` is safe to send and to log."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class Handshake:
    """What the client asked for in the handshake URL."""

    token: str | None
    last_event_id: str | None
    provider_id: str | None

    @classmethod
    def of(cls, connection: ServerConnection) -> Handshake:
        request = connection.request
        if request is None:  # only before the opening handshake, which has completed here
            raise Rejected(BAD_REQUEST, "no handshake request")
        url = urlsplit(request.path)
        query = parse_qs(url.query)

        def single(name: str) -> str | None:
            values = query.get(name)
            return values[-1] if values else None

        header = request.headers.get("Authorization")
        token = _header_token(header) if header is not None else single("token")
        return cls(
            token=token,
            last_event_id=single("lastEventId"),
            provider_id=single("providerId"),
        )


def _header_token(header: str) -> str:
    try:
        return bearer_token(header)
    except AuthError as error:
        raise Rejected(UNAUTHORIZED, error.message) from None


@dataclass(frozen=True)
class Credentials:
    principal: Principal
    last_event_id: str | None
    # POSIX time from which the token is refused: its `exp` plus the tolerated clock skew.
    valid_until: float

    def seconds_left(self) -> float:
        return self.valid_until - time.time()


async def authenticate(
    connection: ServerConnection, handshake: Handshake, tokens: TokenSettings, timeout_s: float
) -> Credentials:
    """The verified principal, and the resume point (query, or the auth message)."""
    token, last_event_id = handshake.token, handshake.last_event_id
    if token is None:
        message = await _first_message(connection, timeout_s)
        token = message.token
        last_event_id = message.last_event_id or last_event_id
    try:
        principal = verify_token(token, tokens)
    except AuthError as error:
        raise Rejected(UNAUTHORIZED, error.message) from None
    return Credentials(
        principal=principal,
        last_event_id=last_event_id,
        valid_until=expiry_of(token) + tokens.leeway.total_seconds(),
    )


async def _first_message(connection: ServerConnection, timeout_s: float) -> _AuthMessage:
    try:
        async with asyncio.timeout(timeout_s):
            raw = await connection.recv()
    except TimeoutError:
        raise Rejected(UNAUTHORIZED, "no token: send an auth message first") from None
    try:
        return _auth_decoder.decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError):
        reason = InvalidToken('the first message must be {"type":"auth","token":...}').message
        raise Rejected(UNAUTHORIZED, reason) from None
