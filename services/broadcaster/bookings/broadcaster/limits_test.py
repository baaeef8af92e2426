"""Connection limits: the process's total (HTTP 503 at the handshake), each subject's (4429),
and how many resume replays read the stream at once (the others wait their turn)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from bookings.broadcaster import resume
from bookings.broadcaster.conftest import Publish, Token, Wire, broadcaster_env, get
from bookings.broadcaster.process import running
from bookings.broadcaster.server import Broadcaster
from bookings.broadcaster.settings import BroadcasterSettings
from bookings.runtime.env import Env


@pytest.fixture
async def limited(redis_url: str) -> AsyncIterator[Broadcaster]:
    env = broadcaster_env(
        redis_url,
        BROADCASTER_MAX_CONNECTIONS="2",
        # The unauthenticated connection below must stay open while the limit is tested.
        BROADCASTER_AUTH_TIMEOUT_SECONDS="30",
    )
    async with running(BroadcasterSettings.from_env(Env(env))) as app:
        await Wire.feed_ready(app.feed)
        yield app


async def _until(condition: Any, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


async def test_handshake_over_the_connection_limit_is_answered_503(
    limited: Broadcaster, token: Token
) -> None:
    url = f"ws://127.0.0.1:{limited.port}/ws"
    # Connections count from the handshake on, authenticated or not.
    async with connect(url), connect(f"{url}?token={token('root', 'admin')}"):
        await _until(lambda: limited.open_connections == 2)
        with pytest.raises(InvalidStatus) as refused:
            async with connect(f"{url}?token={token('root', 'admin')}"):
                pass
        assert refused.value.response.status_code == 503
        assert b"too many connections" in (refused.value.response.body or b"")
        health, _, _ = await get(f"http://127.0.0.1:{limited.port}/health/ready")
        assert health == 200  # probes are answered even when full
    await _until(lambda: limited.open_connections == 0)
    async with connect(f"{url}?token={token('root', 'admin')}"):
        await _until(lambda: len(limited.registry) == 1)
    metrics = limited.metrics.render().decode()
    assert 'broadcaster_connections_refused_total{limit="total"} 1.0' in metrics


async def test_connection_over_the_per_subject_limit_closes_4429(
    redis_url: str, token: Token, publish: Publish, wire: type[Wire]
) -> None:
    env = broadcaster_env(redis_url, BROADCASTER_MAX_CONNECTIONS_PER_SUBJECT="2")
    async with running(BroadcasterSettings.from_env(Env(env))) as app:
        await Wire.feed_ready(app.feed)
        url = f"ws://127.0.0.1:{app.port}/ws?token={token('prov-1', 'provider')}"
        async with connect(url) as first, connect(url) as second:
            await wire.registered(app, 2)
            async with connect(url) as third:
                assert await wire.close_code(third) == 4429
                assert "too many connections for this subject" in (third.close_reason or "")
            other = f"ws://127.0.0.1:{app.port}/ws?token={token('prov-2', 'provider')}"
            async with connect(other):
                await wire.registered(app, 3)  # another subject is not limited by prov-1's
            entry_id = await publish("prov-1")
            assert await wire.frames(first, 1) == [entry_id]
            assert await wire.frames(second, 1) == [entry_id]
        metrics = app.metrics.render().decode()
    assert 'broadcaster_connections_refused_total{limit="per_subject"} 1.0' in metrics


async def test_replays_beyond_the_limit_wait_for_a_slot_then_get_everything(
    redis_url: str,
    token: Token,
    publish: Publish,
    wire: type[Wire],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = broadcaster_env(redis_url, BROADCASTER_MAX_CONCURRENT_REPLAYS="1")
    release = asyncio.Event()
    running_now = 0
    most_at_once = 0
    replay = resume.catch_up

    async def held_replay(*args: Any, **kwargs: Any) -> None:
        nonlocal running_now, most_at_once
        running_now += 1
        most_at_once = max(most_at_once, running_now)
        try:
            await release.wait()
            await replay(*args, **kwargs)
        finally:
            running_now -= 1

    monkeypatch.setattr(resume, "catch_up", held_replay)
    async with running(BroadcasterSettings.from_env(Env(env))) as app:
        await Wire.feed_ready(app.feed)
        start = await publish("prov-a")
        missed = await publish("prov-a")
        url = f"ws://127.0.0.1:{app.port}/ws?token={token('root', 'admin')}&lastEventId={start}"
        async with connect(url) as a, connect(url) as b, connect(url) as c:
            try:
                # Registered listeners have all reached their replay (or the wait for a slot).
                await wire.registered(app, 3)
                assert running_now == 1
                metrics = app.metrics.render().decode()
                assert "broadcaster_replays_waiting 2.0" in metrics
                assert "broadcaster_replays_running 1.0" in metrics
            finally:
                release.set()  # else held replays would keep the server from shutting down
            for ws in (a, b, c):
                assert await wire.frames(ws, 1, timeout=10) == [missed]
            live = await publish("prov-a")
            for ws in (a, b, c):
                assert await wire.frames(ws, 1, timeout=10) == [live]
    assert most_at_once == 1
