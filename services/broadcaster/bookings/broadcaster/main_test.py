"""The broadcaster as a process: SIGTERM closes listeners with 1001 and exits 0; bad config is
one line naming the variable and exit code 2."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest
from websockets.asyncio.client import connect

from bookings.broadcaster.conftest import Token, Wire, broadcaster_env
from bookings.servers.processes import free_port, stop_process, wait_until_ok


def _process_env(**values: str) -> dict[str, str]:
    # The test's own import path, so the child finds the same sources and requirements.
    return {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), **values}


@pytest.fixture
def process_port(redis_url: str) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = free_port()
    env = _process_env(
        **broadcaster_env(redis_url, PORT=str(port), LOG_FORMAT="json", LOG_LEVEL="DEBUG")
    )
    argv = [sys.executable, "-m", "bookings.broadcaster.main"]
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        yield process, port
    finally:
        stop_process(process, sig=signal.SIGKILL)


async def test_sigterm_closes_listeners_with_1001_and_exits_0(
    process_port: tuple[subprocess.Popen[bytes], int], token: Token, wire: type[Wire]
) -> None:
    process, port = process_port
    await asyncio.to_thread(wait_until_ok, f"http://127.0.0.1:{port}/health/ready", process)
    secret = token("root", "admin")
    async with (
        connect(f"ws://127.0.0.1:{port}/ws?token={secret}") as first,
        connect(f"ws://127.0.0.1:{port}/ws?token={secret}") as second,
    ):
        await asyncio.sleep(0.2)  # both authenticated
        process.send_signal(signal.SIGTERM)
        assert await wire.close_code(first) == 1001
        assert await wire.close_code(second) == 1001
    assert await asyncio.to_thread(process.wait, 10) == 0
    _, stderr = process.communicate()
    assert secret not in stderr.decode()  # tokens never reach the logs
    events = [json.loads(line)["event"] for line in stderr.decode().splitlines()]
    assert "broadcaster stopped" in events  # json logging: every line is one JSON object


def test_bad_setting_is_one_line_naming_the_variable_and_exit_2() -> None:
    env = _process_env(PORT="not-a-port")
    result = subprocess.run(
        [sys.executable, "-m", "bookings.broadcaster.main"],
        env=env,
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.decode().strip().splitlines() == [
        "broadcaster: invalid configuration: PORT: expected a whole number, got 'not-a-port'"
    ]


def test_bad_connection_limit_is_one_line_naming_the_variable_and_exit_2() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bookings.broadcaster.main"],
        env=_process_env(BROADCASTER_MAX_CONNECTIONS="lots"),
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.decode().strip().splitlines() == [
        "broadcaster: invalid configuration: BROADCASTER_MAX_CONNECTIONS: "
        "expected a whole number, got 'lots'"
    ]


def test_taken_port_is_one_line_naming_the_variable_and_exit_2(redis_url: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "bookings.broadcaster.main"],
            env=_process_env(**broadcaster_env(redis_url, PORT=str(port))),
            capture_output=True,
            timeout=30,
            check=False,
        )
    assert result.returncode == 2
    last_line = result.stderr.decode().strip().splitlines()[-1]
    assert last_line.startswith(
        f"broadcaster: invalid configuration: PORT: cannot listen on 127.0.0.1:{port}"
    )
