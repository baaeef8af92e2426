"""Plain HTTP on the WebSocket port: health, readiness, metrics, and 404 elsewhere."""

from __future__ import annotations

import pytest
from websockets.asyncio.client import connect

from bookings.broadcaster.conftest import Publish, Token, Wire, get
from bookings.broadcaster.server import Broadcaster


@pytest.fixture
def base_url(broadcaster: Broadcaster) -> str:
    return f"http://127.0.0.1:{broadcaster.port}"


async def test_health_answers_200(base_url: str) -> None:
    status, content_type, body = await get(f"{base_url}/health")
    assert (status, content_type) == (200, "application/json")
    assert body == b'{"status":"ok"}'


async def test_ready_answers_200_while_the_stream_is_reachable(base_url: str) -> None:
    status, _, body = await get(f"{base_url}/health/ready")
    assert status == 200
    assert b"ready" in body


async def test_unknown_path_is_404(base_url: str) -> None:
    status, _, _ = await get(f"{base_url}/elsewhere")
    assert status == 404


async def test_metrics_count_connections_frames_and_latency(
    base_url: str,
    broadcaster: Broadcaster,
    ws_url: str,
    token: Token,
    publish: Publish,
    wire: type[Wire],
) -> None:
    async with connect(f"{ws_url}?token={token('root', 'admin')}") as ws:
        await wire.registered(broadcaster, 1)
        await publish("prov-a")
        await wire.frame(ws)
        status, content_type, body = await get(f"{base_url}/metrics")
    text = body.decode()
    assert status == 200
    assert content_type.startswith("text/plain")
    assert "broadcaster_connections 1.0" in text
    assert "broadcaster_frames_sent_total 1.0" in text
    assert "broadcaster_publish_to_send_seconds_count 1.0" in text
    assert "broadcaster_stream_up 1.0" in text


async def test_plain_http_on_the_ws_path_is_refused_without_crashing(
    base_url: str, broadcaster: Broadcaster
) -> None:
    status, _, _ = await get(f"{base_url}/ws")
    assert status == 426  # Upgrade Required: /ws only speaks WebSocket
    assert broadcaster.is_ready()
