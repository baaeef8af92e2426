"""Bad handshakes and bad credentials of every shape get a close code that says what was wrong
(4400, 4401, 4403) or an HTTP 4xx answer, never 1011 (a server error)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time

import pytest
from websockets.asyncio.client import connect

from bookings.broadcaster.conftest import SECRET, Token, Wire
from bookings.broadcaster.server import Broadcaster

_CLEAR_CODES = {4400, 4401, 4403}


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def signed(payload: str, header: str = '{"alg":"HS256","typ":"JWT"}') -> str:
    """A token signed with the right secret around any payload text, even one no JWT library
    would write (lone surrogates are written as JSON escapes, as any issuer could)."""
    signing_input = f"{_b64(header.encode())}.{_b64(payload.encode())}"
    signature = hmac.new(SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def claims(**overrides: object) -> str:
    now = int(time.time())
    base: dict[str, object] = {"sub": "prov-1", "roles": ["provider"], "iat": now, "exp": now + 600}
    return json.dumps({**base, **overrides})


_BAD_TOKENS = {
    "sub-lone-surrogate": signed(claims(sub="\ud800")),
    "sub-thousands-of-characters": signed(claims(sub="s" * 5000)),
    "sub-number": signed(claims(sub=5)),
    "roles-a-string": signed(claims(roles="admin")),
    "roles-a-mapping": signed(claims(roles={"admin": True})),
    "roles-of-numbers": signed(claims(roles=[1])),
    "roles-null": signed(claims(roles=None)),
    "exp-a-string": signed(claims(exp="soon")),
    "exp-nan": signed(claims(exp=0).replace('"exp": 0', '"exp": NaN')),
    "exp-true": signed(claims(exp=True)),
    "payload-a-list": signed("[1, 2]"),
    "payload-not-json": signed("{{{"),
    "alg-none": signed(claims(), header='{"alg":"none"}'),
    "header-a-list": signed(claims(), header="[]"),
    "not-a-jwt": "a.b",
}


@pytest.mark.parametrize("bad_token", _BAD_TOKENS.values(), ids=_BAD_TOKENS.keys())
@pytest.mark.parametrize("carrier", ["header", "query", "message"])
async def test_bad_token_claims_close_with_a_clear_code(
    ws_url: str, bad_token: str, carrier: str, wire: type[Wire]
) -> None:
    if carrier == "header":
        ws_connect = connect(ws_url, additional_headers={"Authorization": f"Bearer {bad_token}"})
    elif carrier == "query":
        ws_connect = connect(f"{ws_url}?token={bad_token}")
    else:
        ws_connect = connect(ws_url)
    async with ws_connect as ws:
        if carrier == "message":
            await ws.send(json.dumps({"type": "auth", "token": bad_token}))
        assert await wire.close_code(ws) in _CLEAR_CODES
        assert ws.close_reason


_BAD_QUERIES = {
    "token-twice": "token={good}&token={admin}",
    "token-and-a-blank-token": "token={good}&token=",
    "token-not-utf8": "token=%FF%FE",
    "token-lone-surrogate-utf8": "token=%ED%A0%80",
    "lastEventId-twice": "token={good}&lastEventId=1-0&lastEventId=2-0",
    "lastEventId-non-ascii-digit": "token={good}&lastEventId=%D9%A1-0",
    "lastEventId-over-64-bits": "token={good}&lastEventId=18446744073709551616-0",
    "lastEventId-not-utf8": "token={good}&lastEventId=%FF",
    "lastEventId-nul": "token={good}&lastEventId=%00",
    "lastEventId-huge": "token={good}&lastEventId=" + "9" * 5000,
    "providerId-twice": "token={admin}&providerId=a&providerId=b",
    "providerId-other-then-own": "token={good}&providerId=prov-2&providerId=prov-1",
    "providerId-not-utf8-for-a-provider": "token={good}&providerId=%FF",
}


@pytest.mark.parametrize("query", _BAD_QUERIES.values(), ids=_BAD_QUERIES.keys())
async def test_odd_query_strings_close_with_a_clear_code(
    ws_url: str, token: Token, query: str, wire: type[Wire]
) -> None:
    filled = query.format(good=token("prov-1", "provider"), admin=token("root", "admin"))
    async with connect(f"{ws_url}?{filled}") as ws:
        assert await wire.close_code(ws) in _CLEAR_CODES
        assert ws.close_reason


_BAD_AUTH_MESSAGES = {
    "lone-surrogate-token": '{"type":"auth","token":"\\ud800"}',
    "lastEventId-a-number": '{"type":"auth","token":"x","lastEventId":5}',
    "token-null": '{"type":"auth","token":null}',
    "deeply-nested": '{"type":"auth","token":"x","z":' + "[" * 5000 + "]" * 5000 + "}",
    "a-list": "[]",
    "empty": "",
}


@pytest.mark.parametrize("message", _BAD_AUTH_MESSAGES.values(), ids=_BAD_AUTH_MESSAGES.keys())
async def test_bad_auth_messages_close_with_a_clear_code(
    ws_url: str, message: str, wire: type[Wire]
) -> None:
    async with connect(ws_url) as ws:
        await ws.send(message)
        assert await wire.close_code(ws) in _CLEAR_CODES


async def test_many_authorization_headers_close_4401(
    ws_url: str, token: Token, wire: type[Wire]
) -> None:
    headers = [("Authorization", f"Bearer {token('root', 'admin')}")] * 100
    async with connect(ws_url, additional_headers=headers) as ws:
        assert await wire.close_code(ws) == 4401


async def _raw_handshake(port: int, extra_header: bytes) -> bytes:
    """Sends a WebSocket upgrade with one raw header line; the server's first bytes back."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(
            b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            + extra_header
            + b"\r\n\r\n"
        )
        async with asyncio.timeout(10):
            head = await reader.readuntil(b"\r\n\r\n")
            if b" 101 " not in head.split(b"\r\n")[0]:
                return head
            return head + await reader.read(200)  # the close frame follows the 101
    finally:
        writer.close()


async def test_oversized_header_is_answered_431(broadcaster: Broadcaster) -> None:
    answer = await _raw_handshake(broadcaster.port, b"Authorization: Bearer " + b"a" * 9000)
    assert answer.startswith(b"HTTP/1.1 431")


async def test_non_ascii_bytes_in_the_authorization_header_close_4401(
    broadcaster: Broadcaster,
) -> None:
    answer = await _raw_handshake(broadcaster.port, b"Authorization: Bearer \xff\xfe\xe9")
    close_frame = answer.split(b"\r\n\r\n", 1)[1]
    assert close_frame[0] == 0x88  # a close frame
    assert int.from_bytes(close_frame[2:4], "big") == 4401
