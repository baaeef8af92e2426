"""The API's connections: a fixed-size psycopg pool of autocommit connections.

Fixed size (min = max): under load, requests queue for a connection instead of opening new
PostgreSQL sessions, which cost PostgreSQL a process start each. Connections run in autocommit,
so a read is one round trip; writes open their transaction explicitly. Every statement is
prepared on its first use on a connection (`prepare_threshold=0`): the statements are a small,
fixed set (see `statements`), so each is parsed and planned once per connection.
"""

from __future__ import annotations

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from bookings.persistence.urls import libpq_url

# How long a request waits for a free connection before it is answered 503 (problems.py).
CHECKOUT_TIMEOUT_S = 10.0


def connection_pool(database_url: str, *, size: int) -> AsyncConnectionPool[AsyncConnection]:
    """A closed pool: `await pool.open()` fills it in the background, without blocking start-up
    on a database that is not up yet (readiness reports it meanwhile)."""
    return AsyncConnectionPool(
        libpq_url(database_url),
        min_size=size,
        max_size=size,
        open=False,
        timeout=CHECKOUT_TIMEOUT_S,
        name="api",
        kwargs={
            "autocommit": True,
            "prepare_threshold": 0,
            # Every timestamp comes back in UTC, whatever the server's default zone.
            "options": "-c timezone=UTC",
        },
    )
