"""Who is on the other end of a connection: the token from the `Authorization` header,
`?token=`, or a first `{"type": "auth", "token": ...}` message, checked like the API's.

Failures are close codes, 4401 (no, bad or ambiguous token), 4403 (a token with no role that
may listen) and 4400 (a malformed or ambiguous query); the close reason says what was wrong,
never the token. Credentials are ambiguous when two disagree: two `Authorization` headers, a
header and a different `?token=`, or `?token=` given twice with different values. The server
cannot tell which one the client meant, so it accepts none. A token is good until it
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
TOO_MANY_CONNECTIONS = 4429

# RFC 6455 §5.5: a control frame carries at most 125 bytes, two of them the close code.
_MAX_REASON_BYTES = 123


class _AuthMessage(msgspec.Struct, rename="camel"):
    type: Literal["auth"]
    token: str
    last_event_id: str | None = None


_auth_decoder = msgspec.json.Decoder(_AuthMessage)


class Rejected(Exception):
    """The connection must be closed with `code`; `reason` is safe to send and to log."""

    def __init__(self, code: int, reason: str) -> None:
        # A longer reason would make the close frame itself invalid: cut it, whole characters.
        reason = reason.encode()[:_MAX_REASON_BYTES].decode(errors="ignore")
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
        # Blank values are kept so that `?token=x&token=` reads as two different tokens.
        query = parse_qs(urlsplit(request.path).query, keep_blank_values=True)
        return cls(
            token=_token(request.headers.get_all("Authorization"), query.get("token", [])),
            last_event_id=_one_value("lastEventId", query.get("lastEventId", [])),
            provider_id=_one_value("providerId", query.get("providerId", [])),
        )


def _token(headers: list[str], query_tokens: list[str]) -> str | None:
    """The one token the handshake carries, or None when it carries none."""
    if len(headers) > 1:
        raise Rejected(UNAUTHORIZED, "ambiguous credentials: more than one Authorization header")
    if len(set(query_tokens)) > 1:
        raise Rejected(UNAUTHORIZED, "ambiguous credentials: ?token= given with different values")
    from_query = query_tokens[0] if query_tokens and query_tokens[0] else None
    if not headers:
        return from_query
    from_header = _header_token(headers[0])
    if from_query is not None and from_query != from_header:
        raise Rejected(
            UNAUTHORIZED, "ambiguous credentials: the Authorization header and ?token= differ"
        )
    return from_header


def _one_value(name: str, values: list[str]) -> str | None:
    """A query parameter's value; repeating it with another value is ambiguous, not "the last
    one wins", and a blank value is no value."""
    distinct = set(values)
    if len(distinct) > 1:
        raise Rejected(BAD_REQUEST, f"{name} given more than once with different values")
    value = distinct.pop() if distinct else ""
    return value or None


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
    # msgspec raises RecursionError for JSON nested deeper than it will follow.
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        reason = InvalidToken('the first message must be {"type":"auth","token":...}').message
        raise Rejected(UNAUTHORIZED, reason) from None
