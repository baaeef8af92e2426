"""Fixtures for the worker's tests: a migrated database, worker processes, bookings, events,
webhooks. The support code behind them is in the `testing_*` modules beside this one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa

from bookings.migrations.config import upgrade
from bookings.persistence.database import Database
from bookings.persistence.tables import webhook_endpoints
from bookings.worker.testing_bookings import Bookings, PublishedEvents
from bookings.worker.testing_processes import StartWorker, WorkerProcess, worker_env
from bookings.worker.testing_webhook_receiver import Receiver
from bookings.worker.testing_webhooks import SETTINGS, RunningSender, StartSender, Webhooks
from bookings.worker.webhook_settings import WebhookSettings

pytest_plugins = ["bookings.testing.pytest_plugin"]


@pytest.fixture(scope="session")
def prepare_database_template() -> Callable[[str], None]:
    return upgrade


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


@pytest.fixture
def bookings(postgres_url: str) -> Iterator[Bookings]:
    database = Database(postgres_url)
    yield Bookings(database)
    database.close()


@pytest.fixture
def published(redis_url: str) -> Iterator[PublishedEvents]:
    client = redis.Redis.from_url(redis_url)
    yield PublishedEvents(client)
    client.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on 127.0.0.1, closed after the test."""
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def start_sender(postgres_url: str, redis_url: str) -> Iterator[StartSender]:
    """Starts webhook senders in threads of the test process; stops them after the test."""
    started: list[RunningSender] = []

    def start(settings: WebhookSettings = SETTINGS, *, production: bool = False) -> RunningSender:
        sender = RunningSender(settings, postgres_url, redis_url, production)
        started.append(sender)
        return sender

    yield start
    for sender in started:
        sender.close()


@pytest.fixture
def webhooks(postgres_url: str) -> Iterator[Webhooks]:
    """Webhook endpoints and deliveries, none of them left from earlier tests."""
    database = Database(postgres_url)
    with database.engine.begin() as connection:  # what earlier tests left (deliveries go too)
        connection.execute(sa.delete(webhook_endpoints))
    yield Webhooks(database)
    database.close()
