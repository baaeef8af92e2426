"""Soak: mixed traffic through the packaged API while relays are killed, Redis restarts and junk
lands on the event stream; then checks that no event was lost or reordered.

    ./pants package services/api:api services/worker:worker
    ./pants run tests/benchmarks/soak_benchmark.py -- [--minutes 5] [--clients 4]

Starts a throwaway PostgreSQL (migrated) and a persistent Redis, api.pex, two relays and the
other worker roles, then for `--minutes` runs `--clients` threads that each book, move, cancel,
read and list their own provider's bookings (some writes with an Idempotency-Key), as fast as
the API answers. Meanwhile one relay is killed (SIGKILL) and restarted every `--kill-every`
seconds, a junk entry is written to the stream every 20 s, and Redis is restarted once halfway.
Every 10 s it samples the RSS of the API and the relays, the size of each table and Redis'
memory. At the end it waits for the outbox to drain and compares what PostgreSQL committed with
what reached the stream: every event delivered at least once (by `eventId`), and each booking's
events in version order. Prints the figures; exit status 1 if an event was lost or reordered or
a request got a 5xx.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import httpx
import msgspec
import redis
from benchmarks.datastores import migrated_database
from sqlalchemy import create_engine, text

from bookings.events.stream import STREAM_KEY, entry_from_redis
from bookings.persistence.urls import sqlalchemy_url
from bookings.servers.processes import free_port, stop_process, wait_until_ok
from bookings.servers.redis import find_redis_server, start_redis

API_PEX = Path("dist/services.api/api.pex")
WORKER_PEX = Path("dist/services.worker/worker.pex")
TABLES = ("bookings", "outbox", "idempotency_keys")


class Traffic:
    """Client threads, each acting on its own provider's bookings; counts what came back."""

    def __init__(self, base_url: str, clients: int) -> None:
        self.base_url = base_url
        self.clients = clients
        self.stop = threading.Event()
        self.statuses: Counter[str] = Counter()
        self._lock = threading.Lock()

    def run(self) -> list[threading.Thread]:
        threads = [threading.Thread(target=self._client, args=(i,)) for i in range(self.clients)]
        for thread in threads:
            thread.start()
        return threads

    def _count(self, kind: str, response: httpx.Response) -> dict[str, Any] | None:
        with self._lock:
            self.statuses[f"{kind} {response.status_code}"] += 1
        return response.json() if response.status_code < 300 and response.content else None

    def _client(self, index: int) -> None:
        rng = random.Random(index)  # traffic shape, not security
        with httpx.Client(base_url=self.base_url, timeout=30) as http:
            login = http.post("/auth/login", json={"sub": f"soak-{index}", "roles": ["provider"]})
            headers = {"Authorization": f"Bearer {login.json()['accessToken']}"}
            mine: list[str] = []
            slot = 0
            while not self.stop.is_set():
                roll = rng.random()
                if roll < 0.4 or not mine:
                    slot += 1
                    start = datetime.now(UTC) + timedelta(days=2, hours=slot)
                    body = {
                        "title": f"soak {slot}",
                        "startTime": start.isoformat(),
                        "endTime": (start + timedelta(minutes=30)).isoformat(),
                    }
                    keyed = (
                        {**headers, "Idempotency-Key": f"{index}-{slot}"} if roll < 0.1 else headers
                    )
                    created = self._count(
                        "create", http.post("/bookings", json=body, headers=keyed)
                    )
                    if created is not None:
                        mine.append(created["id"])
                elif roll < 0.6:
                    slot += 1
                    start = datetime.now(UTC) + timedelta(days=2, hours=slot)
                    body = {
                        "startTime": start.isoformat(),
                        "endTime": (start + timedelta(minutes=45)).isoformat(),
                    }
                    target = rng.choice(mine)
                    self._count(
                        "move", http.patch(f"/bookings/{target}", json=body, headers=headers)
                    )
                elif roll < 0.7:
                    target = mine.pop(rng.randrange(len(mine)))
                    self._count("cancel", http.post(f"/bookings/{target}/cancel", headers=headers))
                elif roll < 0.85:
                    self._count("get", http.get(f"/bookings/{rng.choice(mine)}", headers=headers))
                else:
                    self._count("list", http.get("/bookings/upcoming/list", headers=headers))


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its children, in MiB."""
    total = 0
    for candidate in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{candidate}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            continue
    return total / 1024


def _children(pid: int) -> list[int]:
    try:
        direct = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:
        return []
    return [int(child) for child in direct] + [g for c in direct for g in _children(int(c))]


@contextmanager
def started(argv: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL)
    try:
        yield process
    finally:
        stop_process(process)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--kill-every", type=float, default=5.0, help="seconds between relay kills")
    args = parser.parse_args()
    for binary in (API_PEX, WORKER_PEX):
        if not binary.exists():
            sys.exit(
                f"{binary} is missing: ./pants package services/api:api services/worker:worker"
            )
    redis_root = Path(tempfile.mkdtemp(prefix="soak-redis-"))
    redis_server = start_redis(
        find_redis_server(redis_root), redis_root, port=free_port(), persistent=True
    )
    if redis_server is None:
        sys.exit("redis did not start")
    redis_processes = [redis_server.process]
    try:
        with migrated_database() as db_url:
            env = {
                **os.environ,
                "APP_ENV": "development",
                "DATABASE_URL": db_url,
                "REDIS_URL": redis_server.url,
                "RATE_LIMIT_ENABLED": "false",
                "LOG_LEVEL": "WARNING",
                "METRICS_PORT": "0",
                "OUTBOX_POLL_INTERVAL_SECONDS": "0.5",
                # The stream must keep every event of the run, to be checked at the end.
                "EVENT_STREAM_MAX_LENGTH": "100000000",
            }
            port = free_port()
            api_env = {**env, "HOST": "127.0.0.1", "PORT": str(port), "API_WORKERS": "1"}
            with (
                started([sys.executable, str(API_PEX)], api_env) as api,
                started([sys.executable, str(WORKER_PEX), "scheduler", "jobs", "reconciler"], env),
            ):
                base_url = f"http://127.0.0.1:{port}"
                wait_until_ok(f"{base_url}/health/ready", api)
                report = soak(args, base_url, db_url, env, api, redis_server.url, redis_processes)
    finally:
        for process in redis_processes:
            stop_process(process)
        shutil.rmtree(redis_root, ignore_errors=True)
    return print_report(report)


def soak(
    args: argparse.Namespace,
    base_url: str,
    db_url: str,
    env: dict[str, str],
    api: subprocess.Popen[bytes],
    redis_url: str,
    redis_processes: list[subprocess.Popen[bytes]],
) -> dict[str, Any]:
    relay_argv = [sys.executable, str(WORKER_PEX), "relay"]
    relays = [subprocess.Popen(relay_argv, env=env) for _ in range(2)]
    engine = create_engine(sqlalchemy_url(db_url))
    client = redis.Redis.from_url(redis_url, socket_timeout=5)
    traffic = Traffic(base_url, args.clients)
    threads = traffic.run()
    samples: list[dict[str, float]] = []
    kills = junk = 0
    began = time.monotonic()
    end = began + args.minutes * 60
    next_kill, next_junk, next_sample = began + args.kill_every, began + 20, began
    redis_restarted = False
    try:
        while time.monotonic() < end:
            now = time.monotonic()
            if now >= next_kill:
                victim = relays.pop(0)
                victim.send_signal(signal.SIGKILL)
                victim.wait()
                relays.append(subprocess.Popen(relay_argv, env=env))
                kills += 1
                next_kill = now + args.kill_every
            if now >= next_junk:
                try:
                    client.xadd(STREAM_KEY, {"junk": "1"})
                    junk += 1
                except redis.RedisError:
                    pass  # Redis is restarting
                next_junk = now + 20
            if not redis_restarted and now >= began + (end - began) / 2:
                redis_processes.append(restart_redis(redis_url))
                redis_restarted = True
            if now >= next_sample:
                samples.append(sample(engine, client, api, relays))
                next_sample = now + 10
            time.sleep(0.2)
    finally:
        traffic.stop.set()
        for thread in threads:
            thread.join(timeout=60)
    drained = wait_drained(engine, timeout=120)
    samples.append(sample(engine, client, api, relays))
    for relay in relays:
        stop_process(relay)
    delivery = check_delivery(engine, client)
    engine.dispose()
    return {
        "minutes": args.minutes,
        "clients": args.clients,
        "statuses": traffic.statuses,
        "relay_kills": kills,
        "junk_entries": junk,
        "redis_restarted": redis_restarted,
        "drained": drained,
        "samples": samples,
        **delivery,
    }


def restart_redis(redis_url: str) -> subprocess.Popen[bytes]:
    """Shuts the server down (its append-only file kept) and starts it again on its port."""
    client = redis.Redis.from_url(redis_url)
    root = Path(str(client.config_get("dir")["dir"]))
    port = int(redis_url.rsplit(":", 1)[1].split("/")[0])
    with contextlib.suppress(redis.ConnectionError):  # the server hangs up as it goes
        client.shutdown(save=False)
    time.sleep(1.0)
    server = start_redis(find_redis_server(root), root, port=port, persistent=True)
    if server is None:
        raise RuntimeError("redis did not come back")
    return server.process


def sample(
    engine: Any, client: redis.Redis, api: subprocess.Popen[bytes], relays: list[Any]
) -> dict[str, float]:
    with engine.connect() as connection:
        sizes = {
            f"{table}_kib": connection.execute(
                text("SELECT pg_total_relation_size(CAST(:t AS regclass)) / 1024"), {"t": table}
            ).scalar_one()
            for table in TABLES
        }
    try:
        redis_kib = int(client.info("memory")["used_memory"]) / 1024
    except redis.RedisError:
        redis_kib = float("nan")
    return {
        "api_rss_mib": rss_mib(api.pid),
        "relay_rss_mib": max(rss_mib(relay.pid) for relay in relays),
        "redis_kib": redis_kib,
        **sizes,
    }


def wait_drained(engine: Any, *, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            left = connection.execute(
                text("SELECT count(*) FROM outbox WHERE published_at IS NULL")
            ).scalar_one()
        if left == 0:
            return True
        time.sleep(0.5)
    return False


def check_delivery(engine: Any, client: redis.Redis) -> dict[str, Any]:
    with engine.connect() as connection:
        committed = {
            str(row.event_id): (str(row.booking_id), row.version)
            for row in connection.execute(
                text(
                    "SELECT event_id, payload->'data'->>'bookingId' AS booking_id,"
                    " (payload->'data'->>'version')::int AS version FROM outbox"
                )
            )
        }
    delivered: list[str] = []
    unreadable = 0
    entries = cast(list[tuple[bytes, dict[bytes, bytes]]], client.xrange(STREAM_KEY))
    for entry_id, fields in entries:
        try:
            entry = entry_from_redis(entry_id, fields)
        except KeyError:
            unreadable += 1  # the junk written on purpose
            continue
        delivered.append(entry.event_id or str(msgspec.json.decode(entry.data)["id"]))
    seen = set(delivered)
    lost = [event_id for event_id in committed if event_id not in seen]
    last_version: dict[str, int] = {}
    reordered = 0
    for event_id in dict.fromkeys(delivered):  # first delivery of each event, in stream order
        booking_id, version = committed.get(event_id, ("", 0))
        if version < last_version.get(booking_id, 0):
            reordered += 1
        last_version[booking_id] = max(version, last_version.get(booking_id, 0))
    return {
        "events_committed": len(committed),
        "events_delivered": len(seen),
        "redeliveries": len(delivered) - len(seen),
        "events_lost": len(lost),
        "events_out_of_order": reordered,
        "junk_entries_on_stream": unreadable,
    }


def print_report(report: dict[str, Any]) -> int:
    statuses: Counter[str] = report["statuses"]
    server_errors = sum(n for key, n in statuses.items() if key.split()[1].startswith("5"))
    print(f"\nsoak: {report['minutes']} min, {report['clients']} clients")
    print(
        "requests by kind and status: "
        + ", ".join(f"{k}: {n}" for k, n in sorted(statuses.items()))
    )
    print(f"5xx responses: {server_errors}")
    for key in (
        "relay_kills",
        "junk_entries",
        "redis_restarted",
        "drained",
        "events_committed",
        "events_delivered",
        "redeliveries",
        "events_lost",
        "events_out_of_order",
        "junk_entries_on_stream",
    ):
        print(f"{key}: {report[key]}")
    samples: list[dict[str, float]] = report["samples"]
    print("\nsample (every 10 s): first, middle, last")
    for name in samples[0]:
        values = [samples[0][name], samples[len(samples) // 2][name], samples[-1][name]]
        print(f"  {name:<22} " + "  ".join(f"{v:>10.1f}" for v in values))
    failed = server_errors or report["events_lost"] or report["events_out_of_order"]
    return 1 if failed or not report["drained"] else 0


if __name__ == "__main__":
    sys.exit(main())
