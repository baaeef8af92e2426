"""What the benchmarks run against: a migrated database on a throwaway PostgreSQL, seeded with
upcoming bookings."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import create_engine, text

from bookings.migrations.config import upgrade
from bookings.persistence.urls import sqlalchemy_url
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


# Upcoming bookings of half an hour, one every `every` from tomorrow's first whole hour, as the
# side-by-side bench seeds them (hourly).
_SEED_SQL = text(
    "INSERT INTO bookings (id, provider_id, title, start_time, end_time, status, version,"
    " reminder_due_at, created_at, updated_at)"
    " SELECT gen_random_uuid(), :provider, 'Seeded ' || i, t, t + interval '30 minutes',"
    " 'scheduled', 1, t - interval '10 minutes', now(), now()"
    " FROM (SELECT i, date_trunc('hour', now()) + interval '1 day' + i * :every AS t"
    " FROM generate_series(0, :count - 1) i) s"
)


def seed_bookings(db_url: str, bookings: Mapping[str, tuple[int, timedelta]]) -> None:
    """For each provider, `count` bookings one `every` apart: {provider: (count, every)}; then
    fresh statistics and visibility map, as a live table would have."""
    engine = create_engine(sqlalchemy_url(db_url))
    try:
        with engine.begin() as connection:
            for provider, (count, every) in bookings.items():
                connection.execute(
                    _SEED_SQL, {"provider": provider, "count": count, "every": every}
                )
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "VACUUM ANALYZE bookings"
            )
    finally:
        engine.dispose()
