"""What the benchmarks run against: a migrated database on a throwaway PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from bookings.migrations.config import upgrade
from bookings.servers.postgres import (
    create_database,
    database_url,
    throwaway_postgres,
    unique_database_name,
)


@contextmanager
def migrated_database() -> Iterator[str]:
    """The URL of a new, migrated database; its server stops when the block ends."""
    with throwaway_postgres() as server:
        name = unique_database_name("bench")
        create_database(server.admin_url, name)
        url = database_url(server.admin_url, name)
        upgrade(url)
        yield url
