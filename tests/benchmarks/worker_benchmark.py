"""Benchmark of the packaged worker (`dist/services.worker/worker.pex`): reminder lateness and
outbox relay throughput and latency, against a throwaway PostgreSQL and Redis.

    ./pants package services/worker:worker
    ./pants run tests/benchmarks/worker_benchmark.py -- [--part reminders|outbox|polling|all]

- reminders: N bookings (1,000) whose reminders fall due over the next W seconds (60), the worker
  running every role under its supervisor. For each booking, lateness = `reminded_at -
  reminder_due_at` as stored; lost = never reminded; doubled = more than one `booking.reminder`
  event. Also the CPU time each role process used.
- outbox: throughput of one relay (rows committed before it starts; events/s from the first
  to the last `published_at`), then end-to-end latency at a fixed rate (200 events/s): from an
  event's `occurredAt` (taken inside its transaction, just before commit) to its arrival on
  the pub/sub channel.
- polling: CPU time and Redis commands/s of an idle scheduler at several polling intervals.

Every part is bounded in count and in time.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from uuid import uuid4

import msgspec
import redis
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
from bookings.domain.model import Booking
from bookings.persistence.database import Database
from bookings.persistence.rows import event_values
from bookings.persistence.tables import bookings, outbox
from bookings.servers.redis import throwaway_redis
from bookings.worker.roles import Role

ADMIN = Actor(id="bench-admin", is_admin=True)


@contextmanager
def servers() -> Iterator[tuple[str, str]]:
    with migrated_database() as url, throwaway_redis() as rd:
        yield url, rd.url


# --- reminders ---------------------------------------------------------------------------------


def bench_reminders(
    database_url_: str, redis_url: str, count: int, window: float, interval: float
) -> None:
    db = Database(database_url_, pool_size=4)
    with worker(
        PACKAGED_WORKER, database_url_, redis_url, SCHEDULER_INTERVAL_SECONDS=str(interval)
    ):
        pids = role_pids(redis_url)
        cpu_before = {role: cpu_seconds(pid) for role, pid in pids.items()}
        # The first reminder falls due once every booking exists (creating 1,000 takes seconds).
        began = datetime.now(UTC)
        origin = began + timedelta(seconds=15)
        created: list[Booking] = []
        for i in range(count):
            due = origin + timedelta(seconds=window * i / count)
            command = CreateBooking(
                ADMIN,
                f"Bench {i}",
                due + LEAD,
                due + LEAD + timedelta(minutes=1),
                provider_id=f"p{i}",
            )
            context = Context(clock=lambda: datetime.now(UTC), reminder_lead=LEAD)
            created.append(db.run(partial(create_booking, command, context=context)))
        print(
            f"created {count} bookings due over {window:.0f} s"
            f" (creating took {(datetime.now(UTC) - began).total_seconds():.1f} s)"
        )
        last_due = max(b.reminder_due_at for b in created)
        deadline = last_due + timedelta(seconds=30)
        ids = [b.id for b in created]
        while datetime.now(UTC) < deadline:
            with db.engine.connect() as connection:
                pending = connection.execute(
                    sa.select(sa.func.count()).where(
                        bookings.c.id.in_(ids), bookings.c.reminded_at.is_(None)
                    )
                ).scalar_one()
            if pending == 0 and datetime.now(UTC) > last_due + timedelta(seconds=3):
                break
            time.sleep(0.5)
        elapsed = (datetime.now(UTC) - origin).total_seconds()
        cpu = {role: cpu_seconds(pid) - cpu_before[role] for role, pid in pids.items()}
    with db.engine.connect() as connection:
        rows = connection.execute(
            sa.select(bookings.c.reminder_due_at, bookings.c.reminded_at).where(
                bookings.c.id.in_(ids)
            )
        ).all()
        reminded = connection.execute(
            sa.select(outbox.c.booking_id).where(outbox.c.event_type == "booking.reminder")
        ).scalars()
        sends = Counter(reminded)
    db.close()
    lateness = [(r.reminded_at - r.reminder_due_at).total_seconds() for r in rows if r.reminded_at]
    lost = sum(1 for r in rows if r.reminded_at is None)
    doubled = sum(1 for n in sends.values() if n > 1)
    early = sum(1 for value in lateness if value < 0)
    print(
        f"reminders (scheduler interval {interval * 1000:.0f} ms): sent {len(lateness)}/{count}, lost {lost}, doubled {doubled}, early {early}"
    )
    print(f"  lateness {summary(lateness)}")
    print(
        "  CPU over the run ("
        + f"{elapsed:.0f} s): "
        + ", ".join(f"{r.value} {s:.2f} s ({100 * s / elapsed:.1f}%)" for r, s in cpu.items())
    )


# --- outbox ------------------------------------------------------------------------------------


def synthetic_rows(count: int) -> list[dict[str, Any]]:
    """Outbox rows of `booking.created` events, as the API writes them (reminders far ahead)."""
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    for i in range(count):
        booking = Booking.create(
            provider_id=f"p{i}",
            title="Bench",
            start_time=now + timedelta(days=2, minutes=i),
            end_time=now + timedelta(days=2, minutes=i + 1),
            now=now,
            reminder_lead=LEAD,
        )
        event = event_values(booking)
        rows.append(
            {
                "event_id": event["event_id"],
                "event_type": event["event_type"],
                "booking_id": booking.id,
                "provider_id": booking.provider_id,
                "version": booking.version,
                "reminder_due_at": booking.reminder_due_at,
                "data": event["event_data"],
                "created_at": event["occurred_at"],
            }
        )
    return rows


def bench_outbox(database_url_: str, redis_url: str, count: int, rate: int, seconds: float) -> None:
    db = Database(database_url_, pool_size=8)
    rows = synthetic_rows(count)
    with db.engine.begin() as connection:
        # Earlier parts published events of their own: measure only the rows inserted here.
        before = connection.execute(sa.select(sa.func.coalesce(sa.func.max(outbox.c.id), 0)))
        first_id = before.scalar_one() + 1
        for start in range(0, count, 2000):
            connection.execute(sa.insert(outbox), rows[start : start + 2000])
    with worker(PACKAGED_WORKER, database_url_, redis_url, "relay"):
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with db.engine.connect() as connection:
                left = connection.execute(
                    sa.select(sa.func.count()).where(outbox.c.published_at.is_(None))
                ).scalar_one()
            if left == 0:
                break
            time.sleep(0.2)
        with db.engine.connect() as connection:
            first, last = connection.execute(
                sa.select(
                    sa.func.min(outbox.c.published_at), sa.func.max(outbox.c.published_at)
                ).where(outbox.c.id >= first_id)
            ).one()
        span = (last - first).total_seconds()
        print(
            f"outbox throughput, one relay: {count} events in {span:.2f} s = {count / span:.0f} events/s (left unpublished: {left})"
        )
        bench_latency(db, redis_url, rate, seconds)
    db.close()


def bench_latency(db: Database, redis_url: str, rate: int, seconds: float) -> None:
    client = redis.Redis.from_url(redis_url)
    subscriber = client.pubsub()
    subscriber.subscribe("booking.created")
    received: dict[str, float] = {}
    stop = threading.Event()

    def listen() -> None:
        while not stop.is_set():
            message = subscriber.get_message(ignore_subscribe_messages=True, timeout=0.2)
            if message is not None:
                arrived = time.time()
                envelope = msgspec.json.decode(message["data"])
                received[envelope["id"]] = (
                    arrived - datetime.fromisoformat(envelope["occurredAt"]).timestamp()
                )

    listener = threading.Thread(target=listen)
    listener.start()
    total = int(rate * seconds)
    context = Context(clock=lambda: datetime.now(UTC), reminder_lead=LEAD)
    began = time.monotonic()
    for i in range(total):
        pause = began + i / rate - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        start = datetime.now(UTC) + timedelta(days=3, minutes=i)
        command = CreateBooking(
            ADMIN, "Live", start, start + timedelta(minutes=1), provider_id=f"live-{uuid4()}"
        )
        db.run(partial(create_booking, command, context=context))
    achieved = total / (time.monotonic() - began)
    deadline = time.monotonic() + 10
    while len(received) < total and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    listener.join()
    subscriber.close()
    client.close()
    latencies = list(received.values())
    print(
        f"commit → pub/sub at {achieved:.0f} events/s for {seconds:.0f} s: received {len(latencies)}/{total}, {summary(latencies)}"
    )


# --- polling -----------------------------------------------------------------------------------


def bench_polling(
    database_url_: str, redis_url: str, intervals: list[float], seconds: float
) -> None:
    client = redis.Redis.from_url(redis_url)
    for interval in intervals:
        with worker(
            PACKAGED_WORKER,
            database_url_,
            redis_url,
            "scheduler",
            SCHEDULER_INTERVAL_SECONDS=str(interval),
        ):
            pid = role_pids(redis_url)[Role.SCHEDULER]
            cpu_before = cpu_seconds(pid)
            commands_before = int(client.info("stats")["total_commands_processed"])
            time.sleep(seconds)
            cpu = cpu_seconds(pid) - cpu_before
            commands = int(client.info("stats")["total_commands_processed"]) - commands_before
        print(
            f"idle scheduler polling every {interval * 1000:.0f} ms: CPU {100 * cpu / seconds:.1f}% of a core, Redis {commands / seconds:.0f} commands/s"
        )
    client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["reminders", "outbox", "polling", "all"], default="all")
    parser.add_argument("--reminders", type=int, default=1000)
    parser.add_argument(
        "--window", type=float, default=60.0, help="seconds over which reminders fall due"
    )
    parser.add_argument("--scheduler-interval", type=float, default=0.05)
    parser.add_argument(
        "--events", type=int, default=20_000, help="outbox rows for the throughput run"
    )
    parser.add_argument("--rate", type=int, default=200, help="events/s for the latency run")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the latency run")
    args = parser.parse_args()
    if not WORKER_PEX.exists():
        sys.exit(f"{WORKER_PEX} is missing: run ./pants package services/worker:worker first")
    with servers() as (database, redis_url):
        if args.part in ("reminders", "all"):
            bench_reminders(
                database,
                redis_url,
                min(args.reminders, 10_000),
                min(args.window, 600),
                args.scheduler_interval,
            )
        if args.part in ("outbox", "all"):
            bench_outbox(
                database, redis_url, min(args.events, 200_000), args.rate, min(args.seconds, 120)
            )
        if args.part in ("polling", "all"):
            bench_polling(database, redis_url, [1.0, 0.25, 0.1, 0.05, 0.02, 0.01], 10.0)


if __name__ == "__main__":
    main()
