"""Pytest fixtures giving tests a real PostgreSQL and a real Redis.

Load it from a conftest.py with `pytest_plugins = ["bookings.testing.pytest_plugin"]`.
`TEST_DATABASE_URL` / `TEST_REDIS_URL` point the fixtures at running servers; without them
each test process starts throwaway servers of its own and stops them when it ends.

Isolation: every test module gets a fresh database cloned from a template (prepared once per
process, see `prepare_database_template`), and every test gets a flushed Redis database.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from types import FrameType

import psycopg
import pytest
import redis

from bookings.testing.postgres import (
    create_database,
    database_url,
    drop_database,
    throwaway_postgres,
    unique_database_name,
)
from bookings.testing.redis import throwaway_redis

TemplatePreparer = Callable[[str], None]


def pytest_configure(config: pytest.Config) -> None:
    # Pants stops a timed-out test process with SIGTERM; turning it into KeyboardInterrupt lets
    # pytest run fixture teardown, so the servers started here are stopped, not orphaned.
    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupt)


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """URL of a PostgreSQL server where the tests may create and drop databases."""
    external = os.environ.get("TEST_DATABASE_URL")
    if external:
        yield external
        return
    with throwaway_postgres() as server:
        yield server.admin_url


@pytest.fixture(scope="session")
def prepare_database_template() -> TemplatePreparer:
    """Fills the template database (given its URL) once per process; override to migrate."""
    return lambda url: None


@pytest.fixture(scope="session")
def database_template(
    postgres_server_url: str, prepare_database_template: TemplatePreparer
) -> Iterator[str]:
    name = unique_database_name("template")
    create_database(postgres_server_url, name)
    try:
        with psycopg.connect(database_url(postgres_server_url, name), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        prepare_database_template(database_url(postgres_server_url, name))
        yield name
    finally:
        drop_database(postgres_server_url, name)


@pytest.fixture(scope="module")
def postgres_url(postgres_server_url: str, database_template: str) -> Iterator[str]:
    """A database of this test module's own, cloned from the template (`postgresql://` URL)."""
    name = unique_database_name("test")
    create_database(postgres_server_url, name, template=database_template)
    try:
        yield database_url(postgres_server_url, name)
    finally:
        drop_database(postgres_server_url, name)


@pytest.fixture(scope="session")
def redis_server_url() -> Iterator[str]:
    external = os.environ.get("TEST_REDIS_URL")
    if external:
        yield external
        return
    with throwaway_redis() as server:
        yield server.url


@pytest.fixture
def redis_url(redis_server_url: str) -> str:
    """A Redis database emptied before the test."""
    client = redis.Redis.from_url(redis_server_url)
    try:
        client.flushdb()
    finally:
        client.close()
    return redis_server_url
