"""The backlog gauges' statement on a real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bookings.persistence.database import Database
from bookings.persistence.delivery_backlog import backlog
from bookings.persistence.testing_deliveries import Connection, add_deliveries, add_endpoint


async def test_the_backlog_counts_pending_deliveries_of_enabled_endpoints(
    database: Database, connection: Connection
) -> None:
    assert (await backlog(connection)).pending == 0
    endpoint = add_endpoint(database)
    old = datetime.now(UTC) - timedelta(minutes=5)
    add_deliveries(database, endpoint, 2, created_at=old)
    add_deliveries(database, endpoint, 1, due_in=600)
    add_deliveries(database, endpoint, 1, status="failed", next_attempt_at=None)
    add_deliveries(database, add_endpoint(database, enabled=False), 5, created_at=old)

    found = await backlog(connection)

    assert found.pending == 3
    assert found.oldest_created_at == old
