"""Running the worker for a benchmark, and the figures taken of it: which process a role runs
in, its CPU time, latency percentiles."""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import redis

from bookings.worker.heartbeat import heartbeat_key
from bookings.worker.roles import Role

WORKER_PEX = Path("dist/services.worker/worker.pex")
PACKAGED_WORKER = [sys.executable, str(WORKER_PEX)]
LEAD = timedelta(minutes=10)


@contextmanager
def worker(
    command: list[str], database: str, redis_url: str, *roles: str, **env: str
) -> Iterator[subprocess.Popen[bytes]]:
    """The worker (packaged, or `python -m bookings.worker` from the sources) running `roles`
    (all when none); waits until every role beats, stops it by PID."""
    full_env = {
        **os.environ,
        "DATABASE_URL": database,
        "REDIS_URL": redis_url,
        "REMINDER_LEAD_SECONDS": str(LEAD.total_seconds()),
        "METRICS_PORT": "0",
        "LOG_LEVEL": "WARNING",
        **env,
    }
    if command[1:2] == ["-m"]:  # from the sources: this interpreter's import path
        full_env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    client = redis.Redis.from_url(redis_url)
    expected = [Role(r) for r in roles] or list(Role)
    client.delete(*(heartbeat_key(r) for r in expected))  # left by an earlier run
    process = subprocess.Popen([*command, *roles], env=full_env)
    deadline = time.monotonic() + 120
    try:
        while client.exists(*(heartbeat_key(r) for r in expected)) < len(expected):
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the worker did not start")
            time.sleep(0.1)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        client.close()


def role_pids(redis_url: str) -> dict[Role, int]:
    """The process each role runs in, as its heartbeat says."""
    client = redis.Redis.from_url(redis_url)
    try:
        return {role: int(client.get(heartbeat_key(role)) or 0) for role in Role}
    finally:
        client.close()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def summary(values: list[float]) -> str:
    if not values:
        return "no values"
    return (
        f"p50 {statistics.median(values) * 1000:.1f} ms, p99 {percentile(values, 0.99) * 1000:.1f}"
        f" ms, max {max(values) * 1000:.1f} ms"
    )
