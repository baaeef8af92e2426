"""Every way to authenticate, and the close code of every way to fail (real sockets, real Redis)."""

from __future__ import annotations

import json

import pytest
from websockets.asyncio.client import connect

from bookings.broadcaster.conftest import Publish, Token, Wire
from bookings.broadcaster.server import Broadcaster


async def test_bearer_header_authenticates(
    ws_url: str, broadcaster: Broadcaster, token: Token, publish: Publish, wire: type[Wire]
) -> None:
    headers = {"Authorization": f"Bearer {token('prov-1', 'provider')}"}
    async with connect(ws_url, additional_headers=headers) as ws:
        await wire.registered(broadcaster, 1)
        entry_id = await publish("prov-1")
        assert (await wire.frame(ws))["id"] == entry_id


async def test_query_token_authenticates(
    ws_url: str, broadcaster: Broadcaster, token: Token, publish: Publish, wire: type[Wire]
) -> None:
    async with connect(f"{ws_url}?token={token('prov-1', 'provider')}") as ws:
        await wire.registered(broadcaster, 1)
        entry_id = await publish("prov-1")
        assert (await wire.frame(ws))["id"] == entry_id


async def test_first_message_authenticates(
    ws_url: str, broadcaster: Broadcaster, token: Token, publish: Publish, wire: type[Wire]
) -> None:
    async with connect(ws_url) as ws:
        await ws.send(json.dumps({"type": "auth", "token": token("admin-1", "admin")}))
        await wire.registered(broadcaster, 1)
        entry_id = await publish("prov-9")
        assert (await wire.frame(ws))["id"] == entry_id


async def test_no_token_and_no_auth_message_closes_4401_after_the_timeout(
    ws_url: str, wire: type[Wire]
) -> None:
    async with connect(ws_url) as ws:
        assert await wire.close_code(ws) == 4401
        assert ws.close_reason is not None
        assert "auth message" in ws.close_reason


@pytest.mark.parametrize(
    "url_suffix",
    ["?token=not-a-jwt", "?token="],
    ids=["garbage", "empty"],
)
async def test_bad_query_token_closes_4401(ws_url: str, url_suffix: str, wire: type[Wire]) -> None:
    async with connect(ws_url + url_suffix) as ws:
        assert await wire.close_code(ws) == 4401


async def test_token_signed_with_another_secret_closes_4401(
    ws_url: str, token: Token, wire: type[Wire]
) -> None:
    forged = token("admin-1", "admin", secret="x" * 40)
    async with connect(ws_url, additional_headers={"Authorization": f"Bearer {forged}"}) as ws:
        assert await wire.close_code(ws) == 4401
        assert forged not in (ws.close_reason or "")


async def test_expired_token_closes_4401(ws_url: str, token: Token, wire: type[Wire]) -> None:
    async with connect(f"{ws_url}?token={token('prov-1', 'provider', expired=True)}") as ws:
        assert await wire.close_code(ws) == 4401
        assert "Expired" in (ws.close_reason or "")


async def test_non_bearer_authorization_header_closes_4401(ws_url: str, wire: type[Wire]) -> None:
    async with connect(ws_url, additional_headers={"Authorization": "Basic dTpw"}) as ws:
        assert await wire.close_code(ws) == 4401


async def test_bad_token_in_auth_message_closes_4401(ws_url: str, wire: type[Wire]) -> None:
    async with connect(ws_url) as ws:
        await ws.send(json.dumps({"type": "auth", "token": "nope"}))
        assert await wire.close_code(ws) == 4401


@pytest.mark.parametrize(
    "first_message",
    ['{"type":"subscribe"}', "not json", '{"type":"auth"}', '{"type":"auth","token":5}'],
)
async def test_first_message_that_is_not_an_auth_message_closes_4401(
    ws_url: str, first_message: str, wire: type[Wire]
) -> None:
    async with connect(ws_url) as ws:
        await ws.send(first_message)
        assert await wire.close_code(ws) == 4401


async def test_binary_first_message_closes_4401(ws_url: str, wire: type[Wire]) -> None:
    async with connect(ws_url) as ws:
        await ws.send(b"\x00\xff\x00")
        assert await wire.close_code(ws) == 4401


@pytest.mark.parametrize("roles", [(), ("auditor",)], ids=["no-roles", "unknown-role"])
async def test_token_without_a_usable_role_closes_4403(
    ws_url: str, token: Token, roles: tuple[str, ...], wire: type[Wire]
) -> None:
    async with connect(f"{ws_url}?token={token('someone', *roles)}") as ws:
        assert await wire.close_code(ws) == 4403


async def test_provider_asking_for_another_providers_events_closes_4403(
    ws_url: str, token: Token, wire: type[Wire]
) -> None:
    url = f"{ws_url}?token={token('prov-1', 'provider')}&providerId=prov-2"
    async with connect(url) as ws:
        assert await wire.close_code(ws) == 4403


async def test_failed_authentication_is_counted_by_close_code(
    ws_url: str, broadcaster: Broadcaster, wire: type[Wire]
) -> None:
    async with connect(f"{ws_url}?token=bad") as ws:
        await wire.close_code(ws)
    metrics = broadcaster.metrics.render().decode()
    assert 'broadcaster_auth_failures_total{code="4401"} 1.0' in metrics


async def test_two_authorization_headers_close_4401_as_ambiguous(
    ws_url: str, broadcaster: Broadcaster, token: Token, wire: type[Wire]
) -> None:
    headers = [
        ("Authorization", f"Bearer {token('prov-1', 'provider')}"),
        ("Authorization", f"Bearer {token('root', 'admin')}"),
    ]
    async with connect(ws_url, additional_headers=headers) as ws:
        assert await wire.close_code(ws) == 4401
        assert "more than one Authorization header" in (ws.close_reason or "")
    assert (
        'broadcaster_auth_failures_total{code="4401"} 1.0' in broadcaster.metrics.render().decode()
    )


async def test_header_token_and_a_different_query_token_close_4401_as_ambiguous(
    ws_url: str, token: Token, wire: type[Wire]
) -> None:
    headers = {"Authorization": f"Bearer {token('prov-1', 'provider')}"}
    async with connect(
        f"{ws_url}?token={token('root', 'admin')}", additional_headers=headers
    ) as ws:
        assert await wire.close_code(ws) == 4401
        assert "ambiguous credentials" in (ws.close_reason or "")


async def test_query_token_given_twice_with_different_values_closes_4401(
    ws_url: str, token: Token, wire: type[Wire]
) -> None:
    url = f"{ws_url}?token={token('prov-1', 'provider')}&token={token('root', 'admin')}"
    async with connect(url) as ws:
        assert await wire.close_code(ws) == 4401
        assert "ambiguous credentials" in (ws.close_reason or "")


async def test_same_token_in_the_header_and_the_query_authenticates(
    ws_url: str, broadcaster: Broadcaster, token: Token, publish: Publish, wire: type[Wire]
) -> None:
    same = token("prov-1", "provider")
    async with connect(
        f"{ws_url}?token={same}", additional_headers={"Authorization": f"Bearer {same}"}
    ) as ws:
        await wire.registered(broadcaster, 1)
        entry_id = await publish("prov-1")
        assert (await wire.frame(ws))["id"] == entry_id


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("lastEventId=1-0&lastEventId=2-0", "lastEventId"),
        ("providerId=a&providerId=b", "providerId"),
    ],
)
async def test_query_parameter_repeated_with_different_values_closes_4400(
    ws_url: str, token: Token, query: str, named: str, wire: type[Wire]
) -> None:
    async with connect(f"{ws_url}?token={token('root', 'admin')}&{query}") as ws:
        assert await wire.close_code(ws) == 4400
        assert named in (ws.close_reason or "")
