"""Pytest fixtures giving tests a real PostgreSQL and a real Redis.

Load it from a conftest.py with `pytest_plugins = ["bookings.testing.pytest_plugin"]`.
`TEST_DATABASE_URL` / `TEST_REDIS_URL` point the fixtures at running servers; without them
each pytest process starts a throwaway PostgreSQL and a throwaway Redis the first time a test
asks for one, and stops them when it ends. The test files that one process runs (under Pants,
a batch: the files of `python_tests` targets with the same `batch_compatibility_tag`) share
those servers.

Isolation: every test module gets a fresh database cloned from a template, and every test gets
a flushed Redis database. A process prepares one template for each `prepare_database_template`
its modules use (a conftest.py overrides it to migrate), so modules whose directories prepare
their databases differently may share a process.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from types import FrameType

import psycopg
import pytest
import redis

from bookings.servers.postgres import (
    create_database,
    database_url,
    drop_database,
    throwaway_postgres,
    unique_database_name,
)
from bookings.servers.redis import throwaway_redis

TemplatePreparer = Callable[[str], None]


def pytest_configure(config: pytest.Config) -> None:
    # Pants stops a timed-out test process with SIGTERM; turning it into KeyboardInterrupt lets
    # pytest run fixture teardown, so the servers started here are stopped, not orphaned.
    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupt)


class DatabaseTemplates:
    """The template databases on one server: one per preparer, made when first asked for."""

    def __init__(self, server_url: str) -> None:
        self._server_url = server_url
        self._names: dict[TemplatePreparer, str] = {}

    def prepared_by(self, prepare: TemplatePreparer) -> str:
        """The name of the template that `prepare` filled."""
        if prepare not in self._names:
            name = unique_database_name("template")
            create_database(self._server_url, name)
            try:
                url = database_url(self._server_url, name)
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
                prepare(url)
            except BaseException:
                drop_database(self._server_url, name)
                raise
            self._names[prepare] = name
        return self._names[prepare]

    def drop_all(self) -> None:
        for name in self._names.values():
            drop_database(self._server_url, name)


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
    """Fills a template database (given its URL); override it in a conftest.py to migrate."""
    return lambda url: None


@pytest.fixture(scope="session")
def database_templates(postgres_server_url: str) -> Iterator[DatabaseTemplates]:
    templates = DatabaseTemplates(postgres_server_url)
    try:
        yield templates
    finally:
        templates.drop_all()


@pytest.fixture(scope="module")
def database_template(
    database_templates: DatabaseTemplates, prepare_database_template: TemplatePreparer
) -> str:
    """The name of the template database that this module's `prepare_database_template` filled."""
    return database_templates.prepared_by(prepare_database_template)


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
