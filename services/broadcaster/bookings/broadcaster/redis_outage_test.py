"""Redis going away: the broadcaster reports not ready, keeps its listeners, and when Redis is
back delivers what was appended meanwhile, in order and once."""

from __future__ import annotations

import asyncio
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import redis
from websockets.asyncio.client import connect
from websockets.protocol import State

from bookings.broadcaster.conftest import Token, Wire, broadcaster_env, event_fields
from bookings.broadcaster.process import running
from bookings.broadcaster.settings import BroadcasterSettings
from bookings.events.stream import STREAM_KEY
from bookings.runtime.env import Env
from bookings.servers.processes import free_port, stop_process
from bookings.servers.redis import find_redis_server


@contextmanager
def restartable_redis() -> Iterator[tuple[int, Path]]:
    with tempfile.TemporaryDirectory(prefix="broadcaster-redis-") as scratch:
        yield free_port(), Path(scratch)


def start_redis(port: int, folder: Path) -> subprocess.Popen[bytes]:
    """Redis with an append-only file, so a restart keeps the stream like a real deployment."""
    argv = [find_redis_server(folder), "--port", str(port), "--bind", "127.0.0.1"]
    argv += ["--dir", str(folder), "--appendonly", "yes", "--appendfsync", "always", "--save", ""]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port, socket_connect_timeout=1)
    for _ in range(500):
        try:
            if client.ping():
                break
        except redis.ConnectionError:
            time.sleep(0.02)
    client.close()
    return process


def append(port: int, provider_id: str) -> str:
    client = redis.Redis(port=port)
    try:
        fields: Any = event_fields("booking.created", provider_id)
        entry_id: Any = client.xadd(STREAM_KEY, fields)
        return str(entry_id.decode())
    finally:
        client.close()


async def http_status(url: str) -> int:
    def get() -> int:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (our server)
                status: int = response.status
                return status
        except urllib.error.HTTPError as error:
            return error.code

    return await asyncio.to_thread(get)


async def wait_for_status(url: str, expected: int, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while await http_status(url) != expected:
            await asyncio.sleep(0.05)


async def test_redis_restart_loses_no_event_and_keeps_listeners(
    token: Token, wire: type[Wire]
) -> None:
    with restartable_redis() as (port, folder):
        redis_process = start_redis(port, folder)
        try:
            env = broadcaster_env(f"redis://127.0.0.1:{port}/0")
            async with running(BroadcasterSettings.from_env(Env(env))) as app:
                await Wire.feed_ready(app.feed)
                base = f"http://127.0.0.1:{app.port}"
                async with connect(
                    f"ws://127.0.0.1:{app.port}/ws?token={token('r', 'admin')}"
                ) as ws:
                    await wire.registered(app, 1)
                    before = append(port, "prov-a")
                    assert await wire.frames(ws, 1) == [before]

                    stop_process(redis_process)
                    await wait_for_status(f"{base}/health/ready", 503)
                    assert await http_status(f"{base}/health") == 200
                    assert ws.state is State.OPEN

                    redis_process = start_redis(port, folder)
                    # Appended before the broadcaster has noticed that Redis is back.
                    meanwhile = [append(port, "prov-a") for _ in range(5)]
                    assert await wire.frames(ws, 5, timeout=15) == meanwhile
                    await wait_for_status(f"{base}/health/ready", 200)
                    after = append(port, "prov-b")
                    assert await wire.frames(ws, 1) == [after]
                    assert await wire.silent(ws)
        finally:
            stop_process(redis_process)


async def test_resuming_while_redis_is_down_closes_1013_to_retry_later(
    token: Token, wire: type[Wire]
) -> None:
    with restartable_redis() as (port, folder):
        redis_process = start_redis(port, folder)
        try:
            first = append(port, "prov-a")
            env = broadcaster_env(f"redis://127.0.0.1:{port}/0")
            async with running(BroadcasterSettings.from_env(Env(env))) as app:
                await Wire.feed_ready(app.feed)
                stop_process(redis_process)
                url = (
                    f"ws://127.0.0.1:{app.port}/ws?token={token('r', 'admin')}&lastEventId={first}"
                )
                async with connect(url) as ws:
                    assert await wire.close_code(ws, timeout=15) == 1013
        finally:
            stop_process(redis_process)
