"""Load test of the packaged broadcaster (`dist/services.broadcaster/broadcaster.pex`).

Starts a throwaway Redis and broadcaster.pex, opens N WebSocket listeners (admins, so every event
matches every listener) spread over several client processes, publishes events at a fixed rate
straight into the stream (`XADD`, as the publisher does), and measures for every event at every
listener the time from just before `XADD` to its arrival at the listener's socket. Prints
delivered/expected, p50/p99/max latency, the server's peak RSS and the CPU time of the server and
of the load generator, so an overloaded generator shows. Every scenario is bounded in time.

The listeners speak just enough RFC 6455 to read unmasked server frames and answer pings (one
small asyncio protocol per connection), so thousands of them fit in a few processes.

    ./pants package services/broadcaster:broadcaster
    ./pants run tests/benchmarks/broadcaster_benchmark.py -- [--scenario a|b|c|all]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import multiprocessing as mp
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.synchronize import Event as EventType
from pathlib import Path
from typing import Any

import jwt
import redis

from bookings.events.stream import STREAM_KEY, entry_fields
from bookings.servers.processes import free_port, stop_process, wait_until_ok
from bookings.servers.redis import throwaway_redis

SECRET = "benchmark-secret-that-is-long-enough-for-hs256"  # noqa: S105 (throwaway servers)
PEX = Path("dist/services.broadcaster/broadcaster.pex")
_SENT_AT = re.compile(rb'"sentAt":([0-9.]+)')
_CONNECT_CONCURRENCY = 100
_DRAIN_S = 3.0
_CONNECT_ATTEMPTS = 3


@dataclass(frozen=True)
class Scenario:
    name: str
    clients: int
    rate: float  # events per second
    duration_s: float
    p99_target_ms: float
    rss_target_mib: float | None = None


@dataclass(frozen=True)
class Result:
    scenario: Scenario
    published: int
    delivered: int
    short_clients: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    rss_peak_mib: float
    server_cpu_s: float
    generator_cpu_s: float
    load_before: float  # 1-minute load average when the scenario started (others' work shows)

    @property
    def complete(self) -> bool:
        return self.delivered == self.published * self.scenario.clients

    @property
    def passed(self) -> bool:
        rss_ok = self.scenario.rss_target_mib is None or (
            self.rss_peak_mib <= self.scenario.rss_target_mib
        )
        return self.complete and self.p99_ms <= self.scenario.p99_target_ms and rss_ok


# --- listeners (run in client processes) ----------------------------------------------------


class _Listener(asyncio.Protocol):
    def __init__(self, request: bytes, opened: asyncio.Future[None], latencies: list[float]):
        self._request = request
        self._opened = opened
        self._latencies = latencies
        self._buffer = bytearray()
        self._open = False
        self.received = 0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self._request)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._opened.done():
            self._opened.set_exception(ConnectionError("closed during the handshake"))

    def data_received(self, data: bytes) -> None:
        now = time.time()
        buffer = self._buffer
        buffer += data
        if not self._open:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            if b" 101 " not in buffer[: buffer.find(b"\r\n")]:
                self._opened.set_exception(ConnectionError(bytes(buffer[:80]).decode()))
                return
            del buffer[: end + 4]
            self._open = True
            self._opened.set_result(None)
        while len(buffer) >= 2:
            opcode, length, start = buffer[0] & 0x0F, buffer[1] & 0x7F, 2
            if length == 126:
                if len(buffer) < 4:
                    return
                length, start = int.from_bytes(buffer[2:4], "big"), 4
            elif length == 127:
                if len(buffer) < 10:
                    return
                length, start = int.from_bytes(buffer[2:10], "big"), 10
            if len(buffer) < start + length:
                return
            payload = bytes(buffer[start : start + length])
            del buffer[: start + length]
            if opcode == 0x1:
                self.received += 1
                match = _SENT_AT.search(payload)
                if match is not None:
                    self._latencies.append(now - float(match[1]))
            elif opcode == 0x9 and self.transport is not None and length < 126:
                # Pong, masked with a zero key (clients must mask; zero leaves the bytes as is).
                self.transport.write(bytes([0x8A, 0x80 | length]) + b"\0\0\0\0" + payload)


def _request(port: int, token: str) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    return (
        f"GET /ws?token={token} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode()


async def _listen(
    count: int, port: int, token: str, ready: Any, stop: EventType
) -> tuple[list[int], list[float]]:
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    listeners: list[_Listener] = []
    gate = asyncio.Semaphore(_CONNECT_CONCURRENCY)

    async def open_one() -> None:
        async with gate:
            for attempt in range(_CONNECT_ATTEMPTS):
                opened: asyncio.Future[None] = loop.create_future()
                protocol = _Listener(_request(port, token), opened, latencies)
                try:
                    _, listener = await loop.create_connection(
                        lambda: protocol,  # noqa: B023 (called before the loop moves on)
                        "127.0.0.1",
                        port,
                    )
                    await asyncio.wait_for(opened, 30)
                except (OSError, TimeoutError):
                    if attempt == _CONNECT_ATTEMPTS - 1:
                        raise
                    await asyncio.sleep(0.5)
                else:
                    listeners.append(listener)
                    return

    await asyncio.gather(*(open_one() for _ in range(count)))
    ready.put(count)
    while not stop.is_set():
        await asyncio.sleep(0.05)
    for listener in listeners:
        if listener.transport is not None:
            listener.transport.abort()
    return [listener.received for listener in listeners], latencies


def _client_process(
    count: int, port: int, token: str, ready: Any, stop: EventType, results: Any
) -> None:
    counts, latencies = asyncio.run(_listen(count, port, token, ready, stop))
    results.put((counts, latencies, sum(os.times()[:2])))


# --- the server and the publisher (main process) --------------------------------------------


def _rss_mib(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return 0.0
    match = re.search(r"VmRSS:\s+(\d+) kB", status)
    return int(match[1]) / 1024 if match else 0.0


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def _broadcaster(redis_url: str, pex: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = free_port()
    env = {
        **os.environ,
        "APP_ENV": "test",
        "REDIS_URL": redis_url,
        "JWT_SECRET": SECRET,
        "PORT": str(port),
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen([sys.executable, str(pex)], env=env, stdin=subprocess.DEVNULL)
    try:
        wait_until_ok(f"http://127.0.0.1:{port}/health/ready", process)
        yield process, port
    finally:
        stop_process(process)


def _connections(port: int) -> int:
    url = f"http://127.0.0.1:{port}/metrics"
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (our own server)
        text = response.read().decode()
    match = re.search(r"^broadcaster_connections (\S+)$", text, re.MULTILINE)
    return int(float(match[1])) if match else 0


def _publish(client: redis.Redis, rate: float, duration_s: float, pid: int) -> tuple[int, float]:
    total = int(rate * duration_s)
    start = time.monotonic()
    rss_peak = 0.0
    for n in range(total):
        delay = start + n / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        data = b'{"providerId":"bench","title":"Benchmark booking","sentAt":%.6f}' % time.time()
        fields = entry_fields(
            "booking.created",
            data,
            event_id=str(n),
            occurred_at="2030-01-01T00:00:00Z",
            provider_id="bench",
        )
        client.xadd(STREAM_KEY, fields)  # type: ignore[arg-type]
        rss_peak = max(rss_peak, _rss_mib(pid))
    return total, rss_peak


def run(scenario: Scenario, pex: Path, processes: int) -> Result:
    token = jwt.encode(
        {
            "sub": "bench",
            "roles": ["admin"],
            "iat": int(time.time()),
            "exp": int(time.time()) + 3600,
        },
        SECRET,
        algorithm="HS256",
    )
    ctx = mp.get_context("fork")
    load_before = os.getloadavg()[0]
    with throwaway_redis() as server, _broadcaster(server.url, pex) as (process, port):
        ready, results, stop = ctx.Queue(), ctx.Queue(), ctx.Event()
        shares = [
            scenario.clients // processes + (i < scenario.clients % processes)
            for i in range(processes)
        ]
        workers = [
            ctx.Process(target=_client_process, args=(share, port, token, ready, stop, results))
            for share in shares
            if share
        ]
        for worker in workers:
            worker.start()
        try:
            for _ in workers:
                ready.get(timeout=300)
            deadline = time.monotonic() + 60
            while _connections(port) < scenario.clients and time.monotonic() < deadline:
                time.sleep(0.1)
            client = redis.Redis.from_url(server.url)
            cpu_before = _cpu_s(process.pid)
            published, rss_peak = _publish(client, scenario.rate, scenario.duration_s, process.pid)
            time.sleep(_DRAIN_S)
            server_cpu = _cpu_s(process.pid) - cpu_before
            rss_peak = max(rss_peak, _rss_mib(process.pid))
            client.close()
            stop.set()
            gathered = [results.get(timeout=120) for _ in workers]
        finally:
            stop.set()
            for worker in workers:
                worker.join(timeout=30)
                if worker.is_alive():
                    worker.kill()
    counts = [c for counts, _, _ in gathered for c in counts]
    latencies = sorted(lat for _, lats, _ in gathered for lat in lats)
    return Result(
        scenario=scenario,
        published=published,
        delivered=sum(counts),
        short_clients=sum(1 for c in counts if c < published),
        p50_ms=1000 * statistics.median(latencies) if latencies else float("nan"),
        p99_ms=1000 * latencies[int(0.99 * (len(latencies) - 1))] if latencies else float("nan"),
        max_ms=1000 * latencies[-1] if latencies else float("nan"),
        rss_peak_mib=rss_peak,
        server_cpu_s=server_cpu,
        generator_cpu_s=sum(cpu for _, _, cpu in gathered),
        load_before=load_before,
    )


def _row(result: Result) -> str:
    s = result.scenario
    verdict = "PASS" if result.passed else "FAIL"
    return (
        f"{s.name:<4}{s.clients:>7}{s.rate:>6.0f}/s{s.duration_s:>5.0f}s"
        f"{result.delivered:>10}/{result.published * s.clients:<10}{result.short_clients:>6}"
        f"{result.p50_ms:>8.1f}{result.p99_ms:>8.1f}{result.max_ms:>8.1f}"
        f"{result.rss_peak_mib:>8.1f}{result.server_cpu_s:>8.1f}{result.generator_cpu_s:>8.1f}"
        f"{result.load_before:>6.1f}"
        f"  {verdict} (p99 ≤ {s.p99_target_ms:.0f} ms"
        + (f", RSS ≤ {s.rss_target_mib:.0f} MiB)" if s.rss_target_mib else ")")
    )


HEADER = (
    f"{'':<4}{'clients':>7}{'rate':>8}{'time':>6}{'delivered/expected':>21}{'short':>6}"
    f"{'p50ms':>8}{'p99ms':>8}{'maxms':>8}{'RSSMiB':>8}{'srvCPU':>8}{'genCPU':>8}{'load':>6}"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=["a", "b", "c", "all"], default="all")
    parser.add_argument("--pex", type=Path, default=PEX)
    parser.add_argument("--processes", type=int, default=2, help="client processes")
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument(
        "--steps",
        default="2000,4000,6000,8000,10000,12000,14000,16000",
        help="scenario (c): client counts tried in turn, until one misses its target",
    )
    parser.add_argument("--step-duration", type=float, default=15.0)
    args = parser.parse_args()
    if not args.pex.exists():
        sys.exit(f"{args.pex} is missing: ./pants package services/broadcaster:broadcaster")

    print(HEADER, flush=True)
    if args.scenario in ("a", "all"):
        print(_row(run(Scenario("a", 200, 20, args.duration, 20.0), args.pex, args.processes)))
    if args.scenario in ("b", "all"):
        scenario = Scenario("b", 1000, 10, args.duration, 100.0, rss_target_mib=150.0)
        print(_row(run(scenario, args.pex, args.processes)), flush=True)
    if args.scenario in ("c", "all"):
        for clients in (int(step) for step in args.steps.split(",")):
            scenario = Scenario("c", clients, 1, args.step_duration, 250.0)
            result = run(scenario, args.pex, max(args.processes, clients // 4000))
            print(_row(result), flush=True)
            if not result.passed:
                break


if __name__ == "__main__":
    main()
