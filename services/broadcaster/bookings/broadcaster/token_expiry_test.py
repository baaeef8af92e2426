"""A listener is closed (4401) when its token expires, and resumes with a fresh one losing
nothing."""

from __future__ import annotations

from datetime import timedelta

from websockets.asyncio.client import connect

from bookings.broadcaster.conftest import Publish, Token, Wire
from bookings.broadcaster.server import Broadcaster


async def test_expired_token_closes_4401_and_a_fresh_token_resumes_without_a_gap(
    ws_url: str, broadcaster: Broadcaster, token: Token, publish: Publish, wire: type[Wire]
) -> None:
    short_lived = token("prov-1", "provider", lifetime=timedelta(seconds=2))
    async with connect(f"{ws_url}?token={short_lived}") as ws:
        await wire.registered(broadcaster, 1)
        seen = await publish("prov-1")
        assert (await wire.frame(ws, timeout=1))["id"] == seen  # live until it expires
        assert await wire.close_code(ws) == 4401
        assert "expired" in (ws.close_reason or "")
    assert "broadcaster_tokens_expired_total 1.0" in broadcaster.metrics.render().decode()

    missed = await publish("prov-1")
    fresh = token("prov-1", "provider")
    async with connect(f"{ws_url}?token={fresh}&lastEventId={seen}") as ws:
        assert (await wire.frame(ws))["id"] == missed
