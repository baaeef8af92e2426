"""Fixtures for the worker's tests: a migrated database, worker processes, bookings, events."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast
from uuid import UUID, uuid4

import msgspec
import pytest
import redis

from bookings.domain.access import Actor
from bookings.domain.commands import CancelBooking, ChangeBooking, CreateBooking
from bookings.domain.decisions import Context
from bookings.domain.handlers import cancel_booking, change_booking, create_booking
from bookings.domain.model import Booking
from bookings.events.schemas import BookingData
from bookings.events.stream import STREAM_KEY, entry_from_redis
from bookings.migrations.config import upgrade
from bookings.persistence.database import Database
from bookings.persistence.tables import bookings as bookings_table
from bookings.worker.heartbeat import heartbeat_key
from bookings.worker.roles import ALL_ROLES, Role

pytest_plugins = ["bookings.testing.pytest_plugin"]

LEAD = timedelta(seconds=2)
# Short intervals so that every test finishes in seconds.
WORKER_ENV = {
    "APP_ENV": "test",
    "REMINDER_LEAD_SECONDS": str(LEAD.total_seconds()),
    "SCHEDULER_INTERVAL_SECONDS": "0.05",
    "OUTBOX_POLL_INTERVAL_SECONDS": "0.2",
    "RECONCILE_INTERVAL_SECONDS": "0.25",
    "RECONCILE_HORIZON_SECONDS": "5",
    "REMINDER_JOB_TIMEOUT_SECONDS": "2",
    "METRICS_PORT": "0",
    "LOG_FORMAT": "json",
}
# Long enough for every periodic loop of the worker to run a few passes (the reconciler's is the
# longest): what a test waits for something that should not happen, such as a second reminder.
SETTLE_S = 3 * float(WORKER_ENV["RECONCILE_INTERVAL_SECONDS"])
# Worker processes compile the sources they import once, not each on its own: bytecode goes to
# a cache of the tests' own, also where writing it beside the sources is turned off.
BYTECODE_CACHE = Path(tempfile.gettempdir()) / "bookings-worker-tests-bytecode"


@pytest.fixture(scope="session")
def prepare_database_template() -> Callable[[str], None]:
    return upgrade


class WorkerProcess:
    """`python -m bookings.worker ROLES...`, stopped by its PID."""

    def __init__(self, roles: tuple[str, ...], env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bookings.worker", *roles],
                env=env,
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
            )

    def wait_alive(self, redis_url: str, roles: tuple[str, ...], *, timeout: float = 60) -> None:
        """Waits for the heartbeat of every role (each beats once it has started)."""
        client = redis.Redis.from_url(redis_url)
        keys = [heartbeat_key(Role(role)) for role in roles or [r.value for r in ALL_ROLES]]
        deadline = time.monotonic() + timeout
        try:
            while client.exists(*keys) < len(keys):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"the worker did not start:\n{self.log()[-3000:]}")
                time.sleep(0.05)
        finally:
            client.close()

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as in a crash."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> int:
        self.terminate()
        return self.wait_stopped()

    def terminate(self) -> None:
        """SIGTERM, if it still runs: a clean stop."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def wait_stopped(self) -> int:
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        return self.process.returncode

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


StartWorker = Callable[..., WorkerProcess]


def worker_env(database_url: str, redis_url: str, **env: str) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {
        **inherited,
        **WORKER_ENV,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        # The test runner's import path (a pex, a virtualenv or PYTHONPATH).
        "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
        "PYTHONPYCACHEPREFIX": str(BYTECODE_CACHE),
        **env,
    }


@pytest.fixture
def start_worker(postgres_url: str, redis_url: str, tmp_path: Path) -> Iterator[StartWorker]:
    """Starts worker processes (roles given, or all) and waits until their roles beat."""
    started: list[WorkerProcess] = []

    def start(*roles: str, redis: str = redis_url, wait: bool = True, **env: str) -> WorkerProcess:
        log_path = tmp_path / f"worker-{len(started)}.log"
        worker = WorkerProcess(roles, worker_env(postgres_url, redis, **env), log_path)
        started.append(worker)
        if wait:
            worker.wait_alive(redis, roles)
        return worker

    yield start
    for worker in started:
        worker.terminate()  # all at once: they stop side by side
    for worker in started:
        worker.wait_stopped()


@pytest.fixture
def client(redis_url: str) -> Iterator[redis.Redis]:
    """A client of the test's emptied Redis database."""
    connection = redis.Redis.from_url(redis_url)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def module_redis_url(redis_server_url: str) -> str:
    """A Redis database of its own for a worker shared by a module's tests (never flushed)."""
    url = redis_server_url.rsplit("/", 1)[0] + "/1"
    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()
    return url


@pytest.fixture(scope="module")
def module_worker(
    postgres_url: str, module_redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WorkerProcess]:
    """Every role, under the supervisor, shared by the tests of a module."""
    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    worker = WorkerProcess((), worker_env(postgres_url, module_redis_url), log_path)
    try:
        worker.wait_alive(module_redis_url, ())
        yield worker
    finally:
        worker.stop()


class Bookings:
    """Creates and changes bookings the way the API does: a handler and a real transaction."""

    def __init__(self, database: Database) -> None:
        self.database = database
        # An admin books for a provider of each booking's own, so no two bookings overlap.
        self.actor = Actor(id="admin", is_admin=True)

    def context(self) -> Context:
        return Context(clock=lambda: datetime.now(UTC), reminder_lead=LEAD)

    def create(self, due_in: float) -> Booking:
        """A booking whose reminder is due in `due_in` seconds (negative: inside the lead)."""
        start = datetime.now(UTC) + LEAD + timedelta(seconds=due_in)
        end = start + timedelta(minutes=1)
        command = CreateBooking(self.actor, "Checkup", start, end, provider_id=str(uuid4()))
        return self.database.run(lambda uow: create_booking(command, uow, self.context()))

    def move(self, booking: Booking, due_in: float) -> Booking:
        start = datetime.now(UTC) + LEAD + timedelta(seconds=due_in)
        command = ChangeBooking(
            self.actor, booking.id, start_time=start, end_time=start + timedelta(minutes=1)
        )
        return self.database.run(lambda uow: change_booking(command, uow, self.context()))

    def cancel(self, booking: Booking) -> Booking:
        command = CancelBooking(self.actor, booking.id)
        return self.database.run(lambda uow: cancel_booking(command, uow, self.context()))

    def reminded_at(self, booking_id: UUID) -> datetime | None:
        with self.database.engine.connect() as connection:
            statement = bookings_table.select().where(bookings_table.c.id == booking_id)
            row = connection.execute(statement).one()
        reminded: datetime | None = row.reminded_at
        return reminded


@pytest.fixture
def bookings(postgres_url: str) -> Iterator[Bookings]:
    database = Database(postgres_url)
    yield Bookings(database)
    database.close()


@dataclass(frozen=True)
class PublishedEvent:
    """An event as a stream entry carries it: its id, type and decoded data."""

    id: UUID
    event: str
    data: BookingData


class PublishedEvents:
    """What reached the Redis stream (the same data went to pub/sub)."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def all(self) -> list[PublishedEvent]:
        raw = cast(list[tuple[bytes, dict[bytes, bytes]]], self.client.xrange(STREAM_KEY))
        entries = [entry_from_redis(entry_id, fields) for entry_id, fields in raw]
        return [
            PublishedEvent(
                id=UUID(str(entry.event_id)),
                event=entry.event,
                data=msgspec.json.decode(entry.data, type=BookingData),
            )
            for entry in entries
        ]

    def of(self, booking_id: UUID, event: str) -> list[PublishedEvent]:
        return [e for e in self.all() if e.data.booking_id == booking_id and e.event == event]

    def wait_for(self, predicate: Callable[[], object], *, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.05)


@pytest.fixture
def published(redis_url: str) -> Iterator[PublishedEvents]:
    client = redis.Redis.from_url(redis_url)
    yield PublishedEvents(client)
    client.close()
