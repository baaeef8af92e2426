"""Running the packaged API for a benchmark, and loading it with wrk: a throwaway server with
rate limits out of the way, tokens from its development login, and wrk's figures parsed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bookings.servers.processes import free_port, stop_process, wait_until_ok

API_PEX = "dist/services.api/api.pex"


@dataclass(frozen=True)
class Load:
    """How wrk loads the server: threads, open connections, seconds."""

    threads: int
    connections: int
    seconds: int


@dataclass(frozen=True)
class Target:
    """What a run should reach; None: no figure asked for."""

    min_requests_per_second: int | None = None
    max_p99_ms: float | None = None

    def verdict(self, result: Result) -> str:
        wanted = []
        if self.min_requests_per_second is not None:
            met = result.requests_per_second >= self.min_requests_per_second
            wanted.append((f"≥{self.min_requests_per_second} req/s", met))
        if self.max_p99_ms is not None:
            wanted.append((f"p99 ≤{self.max_p99_ms:.0f} ms", result.p99_ms <= self.max_p99_ms))
        if not wanted:
            return ""
        met = all(ok for _, ok in wanted) and result.errors == 0
        return ", ".join(text for text, _ in wanted) + f": {'met' if met else 'MISSED'}"


@dataclass(frozen=True)
class Result:
    name: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int

    def named(self, name: str) -> Result:
        return Result(name, self.requests_per_second, self.p50_ms, self.p99_ms, self.errors)


def wrk_for(api_pex: str) -> str | None:
    """wrk's path, if it and the packaged API are there; else None, having said what is missing."""
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.stderr.write("wrk is not installed: apt-get install -y wrk\n")
        return None
    if not Path(api_pex).exists():
        sys.stderr.write(f"{api_pex} is missing: ./pants package services/api:api\n")
        return None
    return wrk


@contextmanager
def running_api(api_pex: str, db_url: str, redis_url: str, workers: int) -> Iterator[str]:
    """api.pex serving on a free port with rate limits raised out of the way; its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "APP_ENV": "development",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "API_WORKERS": str(workers),
        "LOG_LEVEL": "WARNING",
        "RATE_LIMIT_LOGIN_PER_MINUTE": "1000000",
        "RATE_LIMIT_WRITES_PER_MINUTE": "100000000",
        "RATE_LIMIT_READS_PER_MINUTE": "100000000",
    }
    process = subprocess.Popen([sys.executable, api_pex], env=env, stdin=subprocess.DEVNULL)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ok(f"{base_url}/health/ready", process)
        yield base_url
    finally:
        stop_process(process)


def login_token(base_url: str, sub: str) -> str:
    """A provider token for `sub` from the development login."""
    request = urllib.request.Request(  # noqa: S310 (http://127.0.0.1, started here)
        f"{base_url}/auth/login",
        data=f'{{"sub":"{sub}","roles":["provider"]}}'.encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        body = response.read().decode()
    match = re.search(r'"accessToken":"([^"]+)"', body)
    if match is None:
        raise RuntimeError("login returned no token")
    return match.group(1)


def run_wrk(
    wrk: str,
    load: Load,
    url: str,
    *,
    script: Path | None = None,
    headers: tuple[str, ...] = (),
) -> Result:
    argv = [wrk, "-t", str(load.threads), "-c", str(load.connections), "-d", f"{load.seconds}s"]
    argv += ["--latency", "--timeout", "5s"]
    if script is not None:
        argv += ["-s", str(script)]
    for header in headers:
        argv += ["-H", header]
    output = subprocess.run(
        [*argv, url], check=True, capture_output=True, text=True, timeout=load.seconds + 60
    ).stdout
    return _parse(output)


def _parse(output: str) -> Result:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    percentiles = {
        p: _ms(value, unit)
        for p, value, unit in re.findall(r"\s(50|99)%\s+([\d.]+)(us|ms|s)", output)
    }
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    error_count = int(errors.group(1)) if errors else 0
    if socket_errors:
        error_count += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1)))
    return Result("", rps, percentiles.get("50", 0.0), percentiles.get("99", 0.0), error_count)


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def print_results(results: list[Result], targets: dict[str, Target]) -> None:
    """One line per run: its figures, and whether it reached its target."""
    width = max(len(r.name) for r in results) + 2
    header = f"{'run':<{width}} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}  target"
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.name:<{width}} {r.requests_per_second:>9.0f} {r.p50_ms:>8.2f} {r.p99_ms:>8.2f} "
            f"{r.errors:>7}  {targets[r.name].verdict(r)}"
        )
