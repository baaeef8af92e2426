"""Benchmark of the worker's webhooks role against a throwaway PostgreSQL and Redis and a local
receiver: delivery throughput, commit-to-delivery latency through the relay, and whether an
endpoint that never answers slows the others.

    ./pants package services/worker:worker
    ./pants run tests/benchmarks/webhooks_benchmark.py -- [--part throughput|latency|all]
    # or, without packaging, the worker from the sources on this interpreter's path:
    ./pants run tests/benchmarks/webhooks_benchmark.py -- --worker source

- throughput: N deliveries (20,000) over E endpoints (50), committed before `worker webhooks`
  starts; deliveries/s from the first to the last `delivered_at`, and the CPU time the role
  used.
- latency: `worker relay webhooks`, bookings created at a fixed rate (50/s for 10 s), one admin
  endpoint receiving every event; for each event the time from its `occurredAt` (taken inside
  its transaction, just before commit; the body's `timestamp`) to its arrival at the receiver.
  Then the same with a second endpoint, also receiving every event, that never answers (each
  attempt waits out `WEBHOOK_TIMEOUT_SECONDS`) and has 20,000 deliveries due at the start: the
  first endpoint's latency should not move.

The receiver runs in a process of its own: a small asyncio HTTP/1.1 server that answers 204 at
once (or never, on `/never`), writes one line per request (webhook-id, arrival time, the body's
timestamp) and checks the signature of every 50th request with the `standardwebhooks` package.
Every part is bounded in count and in time.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import partial
from multiprocessing.synchronize import Event as EventType
from pathlib import Path
from typing import TextIO
from uuid import UUID, uuid4

import msgspec
import sqlalchemy as sa
from benchmarks.datastores import migrated_database
from benchmarks.worker_runs import (
    LEAD,
    PACKAGED_WORKER,
    WORKER_PEX,
    cpu_seconds,
    role_pids,
    summary,
    worker,
)

from bookings.domain.access import Actor
from bookings.domain.commands import CreateBooking
from bookings.domain.decisions import Context
from bookings.domain.handlers import create_booking
from bookings.events.schemas import CHANNELS
from bookings.persistence.database import Database
from bookings.persistence.tables import webhook_deliveries, webhook_endpoints
from bookings.servers.processes import free_port
from bookings.servers.redis import throwaway_redis
from bookings.webhooks.signing import new_secret
from bookings.worker.roles import Role

ADMIN = Actor(id="bench-admin", is_admin=True)
VERIFY_EVERY = 50


# --- the receiver ------------------------------------------------------------------------------


class _Receiving(asyncio.Protocol):
    """HTTP/1.1 requests with a content-length body, kept alive; 204 at once, or never."""

    def __init__(self, log: list[str], secret: str, seen: list[int]) -> None:
        self._log = log
        self._secret = secret
        self._seen = seen  # requests on every connection, one counter for all
        self._buffer = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while (end := self._buffer.find(b"\r\n\r\n")) >= 0:
            lines = self._buffer[:end].decode("latin-1").split("\r\n")
            headers = dict(
                (name.strip().lower(), value.strip())
                for name, _, value in (line.partition(":") for line in lines[1:])
            )
            length = int(headers.get("content-length", "0"))
            if len(self._buffer) < end + 4 + length:
                return
            body = self._buffer[end + 4 : end + 4 + length]
            self._buffer = self._buffer[end + 4 + length :]
            self._received(lines[0].split(" ")[1], headers, body)

    def _received(self, path: str, headers: dict[str, str], body: bytes) -> None:
        arrived = time.time()
        stamp = msgspec.json.decode(body)["timestamp"]
        verified = "-"
        self._seen[0] += 1
        if self._seen[0] % VERIFY_EVERY == 1:
            from standardwebhooks.webhooks import Webhook, WebhookVerificationError

            try:
                Webhook(self._secret).verify(body, headers)
                verified = "ok"
            except WebhookVerificationError:
                verified = "bad"
        self._log.append(f"{path} {headers['webhook-id']} {arrived} {stamp} {verified}\n")
        if not path.startswith("/never") and self._transport is not None:
            self._transport.write(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")


def _receiver_process(port: int, secret: str, out: str, ready: EventType) -> None:
    async def serve(file: TextIO) -> None:
        log: list[str] = []
        seen = [0]
        server = await asyncio.get_running_loop().create_server(
            lambda: _Receiving(log, secret, seen), "127.0.0.1", port, backlog=1024
        )
        ready.set()
        async with server:
            while True:
                await asyncio.sleep(0.05)
                if log:
                    file.writelines(log)
                    file.flush()
                    log.clear()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with open(out, "a") as file:
        asyncio.run(serve(file))


class Receiver:
    def __init__(self, port: int, secret: str, out: Path) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.out = out
        out.touch()
        ready = mp.get_context("fork").Event()
        self.process = mp.get_context("fork").Process(
            target=_receiver_process, args=(port, secret, str(out), ready), daemon=True
        )
        self.process.start()
        if not ready.wait(30):
            raise RuntimeError("the receiver did not start")

    def lines(self) -> list[list[str]]:
        return [line.split(" ") for line in self.out.read_text().splitlines()]

    def close(self) -> None:
        self.process.terminate()
        self.process.join(10)


@contextmanager
def receiver(scratch: Path, secret: str) -> Iterator[Receiver]:
    running = Receiver(free_port(), secret, scratch / f"received-{uuid4().hex}.log")
    try:
        yield running
    finally:
        running.close()


# --- endpoints and deliveries -----------------------------------------------------------------


def add_endpoints(db: Database, urls: list[str], secret: str) -> None:
    with db.engine.begin() as connection:
        connection.execute(sa.delete(webhook_endpoints))
        connection.execute(
            sa.insert(webhook_endpoints),
            [
                {
                    "id": uuid4(),
                    "owner": ADMIN.id,
                    "provider_id": None,
                    "url": url,
                    "events": list(CHANNELS),
                    "enabled": True,
                    "secret": secret,
                    "created_at": datetime.now(UTC),
                    "updated_at": datetime.now(UTC),
                }
                for url in urls
            ],
        )


def add_due_deliveries(db: Database, endpoint_ids: list[UUID], count: int) -> None:
    """`count` deliveries due now, spread over the endpoints, as the relay fans them out."""
    now = datetime.now(UTC)
    rows = [
        {
            "id": uuid4(),
            "endpoint_id": endpoint_ids[i % len(endpoint_ids)],
            "event_id": uuid4(),
            "event_type": "booking.created",
            "data": b'{"bookingId":"' + str(uuid4()).encode() + b'","version":1}',
            "occurred_at": now,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(count)
    ]
    with db.engine.begin() as connection:
        for start in range(0, count, 5000):
            connection.execute(sa.insert(webhook_deliveries), rows[start : start + 5000])


def endpoint_ids(db: Database, url_prefix: str) -> list[UUID]:
    with db.engine.connect() as connection:
        return list(
            connection.execute(
                sa.select(webhook_endpoints.c.id).where(
                    webhook_endpoints.c.url.startswith(url_prefix)
                )
            ).scalars()
        )


def verified(lines: list[list[str]]) -> str:
    checks = [line[4] for line in lines if line[4] != "-"]
    return f"signatures checked {len(checks)}, bad {checks.count('bad')}"


# --- throughput --------------------------------------------------------------------------------


def bench_throughput(
    command: list[str], database: str, redis_url: str, scratch: Path, count: int, endpoints: int
) -> None:
    db = Database(database, pool_size=2)
    secret = new_secret()
    with receiver(scratch, secret) as sink:
        add_endpoints(db, [f"{sink.url}/e{i}" for i in range(endpoints)], secret)
        add_due_deliveries(db, endpoint_ids(db, sink.url), count)
        with worker(command, database, redis_url, "webhooks"):
            pid = role_pids(redis_url)[Role.WEBHOOKS]
            cpu_before = cpu_seconds(pid)
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                with db.engine.connect() as connection:
                    left = connection.execute(
                        sa.select(sa.func.count()).where(webhook_deliveries.c.status == "pending")
                    ).scalar_one()
                if left == 0:
                    break
                time.sleep(0.2)
            cpu = cpu_seconds(pid) - cpu_before
        with db.engine.connect() as connection:
            first, last, delivered = connection.execute(
                sa.select(
                    sa.func.min(webhook_deliveries.c.delivered_at),
                    sa.func.max(webhook_deliveries.c.delivered_at),
                    sa.func.count(webhook_deliveries.c.delivered_at),
                )
            ).one()
        lines = sink.lines()
    db.close()
    span = (last - first).total_seconds()
    print(
        f"throughput, one sender, {endpoints} endpoints: {delivered}/{count} delivered in"
        f" {span:.2f} s = {delivered / span:.0f} deliveries/s; requests received {len(lines)};"
        f" {verified(lines)}; sender CPU {cpu:.1f} s ({100 * cpu / span:.0f}% of a core)"
    )


# --- latency -----------------------------------------------------------------------------------


def bench_latency(
    command: list[str],
    database: str,
    redis_url: str,
    scratch: Path,
    rate: int,
    seconds: float,
    *,
    dead: int,
    dead_backlog: int,
) -> None:
    db = Database(database, pool_size=2)
    secret = new_secret()
    with receiver(scratch, secret) as sink:
        urls = [f"{sink.url}/fast"] + [f"{sink.url}/never{i}" for i in range(dead)]
        add_endpoints(db, urls, secret)
        if dead:  # what a silent endpoint piles up: due deliveries it never takes
            add_due_deliveries(db, endpoint_ids(db, f"{sink.url}/never"), dead_backlog)
        with worker(command, database, redis_url, "relay", "webhooks"):
            total = int(rate * seconds)
            context = Context(clock=lambda: datetime.now(UTC), reminder_lead=LEAD)
            began = time.monotonic()
            for i in range(total):
                pause = began + i / rate - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                start = datetime.now(UTC) + timedelta(days=3, minutes=i)
                command_ = CreateBooking(
                    ADMIN, "Live", start, start + timedelta(minutes=1), provider_id=f"p-{uuid4()}"
                )
                db.run(partial(create_booking, command_, context=context))
            achieved = total / (time.monotonic() - began)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                fast = [line for line in sink.lines() if line[0] == "/fast"]
                if len(fast) >= total:
                    break
                time.sleep(0.1)
        lines = sink.lines()
    db.close()
    fast = [line for line in lines if line[0] == "/fast"]
    latencies = [
        float(line[2]) - datetime.fromisoformat(line[3].replace("Z", "+00:00")).timestamp()
        for line in fast
    ]
    never = sum(1 for line in lines if line[0].startswith("/never"))
    label = "alone"
    if dead:
        label = f"with {dead} endpoint(s) that never answer, {dead_backlog} deliveries due for them"
    print(
        f"commit → delivery at {achieved:.0f} events/s for {seconds:.0f} s, {label}: received"
        f" {len(fast)}/{total}, {summary(latencies)}; attempts at the silent endpoint(s)"
        f" {never}; {verified(lines)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["throughput", "latency", "all"], default="all")
    parser.add_argument(
        "--worker",
        choices=["pex", "source"],
        default="pex",
        help="the packaged worker, or `python -m bookings.worker` on this interpreter's path",
    )
    parser.add_argument("--deliveries", type=int, default=20_000)
    parser.add_argument("--endpoints", type=int, default=50)
    parser.add_argument("--rate", type=int, default=50, help="events/s for the latency runs")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of a latency run")
    parser.add_argument("--dead", type=int, default=1, help="silent endpoints, second run")
    parser.add_argument(
        "--dead-backlog", type=int, default=20_000, help="deliveries due for them at the start"
    )
    args = parser.parse_args()
    if args.worker == "pex":
        if not WORKER_PEX.exists():
            sys.exit(f"{WORKER_PEX} is missing: run ./pants package services/worker:worker first")
        command = PACKAGED_WORKER
    else:
        command = [sys.executable, "-m", "bookings.worker"]
    with (
        tempfile.TemporaryDirectory() as scratch_dir,
        migrated_database() as database,
        throwaway_redis() as rd,
    ):
        scratch = Path(scratch_dir)  # the receiver's logs
        if args.part in ("throughput", "all"):
            bench_throughput(
                command,
                database,
                rd.url,
                scratch,
                min(args.deliveries, 200_000),
                min(max(args.endpoints, 1), 1000),
            )
        if args.part in ("latency", "all"):
            seconds = min(args.seconds, 120)
            for dead in (0, min(args.dead, 50)):
                bench_latency(
                    command,
                    database,
                    rd.url,
                    scratch,
                    args.rate,
                    seconds,
                    dead=dead,
                    dead_backlog=min(args.dead_backlog, 1_000_000),
                )


if __name__ == "__main__":
    main()
