"""Fixtures of the persistence tests: every test database migrated; for the webhook deliveries'
tests, `database` with no endpoints (nor deliveries) left and an autocommit `connection`; for
the reads' tests, an `empty_database` of each test's own, `reads_database` and the API's `pool`
on it.

A test module with a `database` or `connection` fixture of its own uses that one instead."""

from collections.abc import AsyncIterator, Callable, Iterator

import pytest
import sqlalchemy as sa
from psycopg import AsyncConnection

from bookings.migrations.config import upgrade
from bookings.persistence.database import Database
from bookings.persistence.pool import connection_pool
from bookings.persistence.tables import webhook_endpoints
from bookings.persistence.testing_deliveries import Connection
from bookings.persistence.testing_reads import Pool
from bookings.persistence.urls import libpq_url
from bookings.servers.postgres import (
    create_database,
    database_url,
    drop_database,
    unique_database_name,
)

pytest_plugins = ["bookings.testing.pytest_plugin"]


@pytest.fixture(scope="session")
def prepare_database_template() -> Callable[[str], None]:
    """Every test database starts from the migrated schema."""
    return upgrade


@pytest.fixture
def database(postgres_url: str) -> Iterator[Database]:
    database = Database(postgres_url)
    with database.engine.begin() as connection:
        connection.execute(sa.delete(webhook_endpoints))  # deliveries go with them
    yield database
    database.close()


@pytest.fixture
async def connection(postgres_url: str) -> AsyncIterator[Connection]:
    connection = await AsyncConnection.connect(libpq_url(postgres_url), autocommit=True)
    yield connection
    await connection.close()


@pytest.fixture
def empty_database(postgres_server_url: str, database_template: str) -> Iterator[str]:
    """A migrated database of the test's own, so that a list of every provider's bookings holds
    the test's bookings only."""
    name = unique_database_name("reads")
    create_database(postgres_server_url, name, template=database_template)
    yield database_url(postgres_server_url, name)
    drop_database(postgres_server_url, name)


@pytest.fixture
def reads_database(empty_database: str) -> Iterator[Database]:
    """A Database of one connection on the test's `empty_database`, where the reads' tests
    store the bookings that `pool` then lists."""
    database = Database(empty_database, pool_size=1)
    yield database
    database.close()


@pytest.fixture
async def pool(empty_database: str) -> AsyncIterator[Pool]:
    api_pool = connection_pool(empty_database, size=1)
    await api_pool.open(wait=True)
    yield api_pool
    await api_pool.close()
