"""The sender's outcomes on a real PostgreSQL: written only while the row holds the attempt's
lease; a gone endpoint disabled, its pending deliveries failed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from bookings.persistence.database import Database
from bookings.persistence.delivery_outcomes import AttemptRecord, disable_endpoint, record_attempts
from bookings.persistence.tables import webhook_deliveries, webhook_endpoints
from bookings.persistence.testing_deliveries import (
    Connection,
    add_deliveries,
    add_endpoint,
    claim,
    delivery,
)


async def test_an_outcome_is_written_only_while_the_row_holds_its_lease(
    database: Database, connection: Connection
) -> None:
    endpoint = add_endpoint(database)
    add_deliveries(database, endpoint, 3)
    first, second, third = await claim(connection)
    with database.engine.begin() as sql:  # the API retries the second one mid-attempt
        sql.execute(
            sa.update(webhook_deliveries)
            .where(webhook_deliveries.c.id == second.id)
            .values(next_attempt_at=sa.func.now())
        )

    kept = await record_attempts(
        connection,
        [
            AttemptRecord(first.id, first.lease, "delivered", None, 204, None),
            AttemptRecord(second.id, second.lease, "delivered", None, 200, None),
            AttemptRecord(third.id, third.lease, "pending", 300.0, 500, "boom"),
        ],
    )

    assert kept == {first.id, third.id}
    delivered = delivery(database, first.id)
    assert (delivered.status, delivered.attempts, delivered.last_status_code) == (
        "delivered",
        1,
        204,
    )
    assert delivered.delivered_at is not None
    assert delivered.next_attempt_at is None
    retried = delivery(database, second.id)
    assert (retried.status, retried.attempts, retried.delivered_at) == ("pending", 0, None)
    assert retried.next_attempt_at <= datetime.now(UTC)  # due, as the API left it
    waiting = delivery(database, third.id)
    assert (waiting.status, waiting.attempts, waiting.last_error) == ("pending", 1, "boom")
    wait = (waiting.next_attempt_at - waiting.updated_at).total_seconds()
    assert wait == pytest.approx(300.0)


async def test_a_gone_endpoint_is_disabled_and_its_pending_deliveries_fail(
    database: Database, connection: Connection
) -> None:
    gone, other = add_endpoint(database), add_endpoint(database)
    pending = add_deliveries(database, gone, 2) + add_deliveries(database, gone, 1, due_in=600)
    [finished] = add_deliveries(
        database, gone, 1, status="delivered", next_attempt_at=None, attempts=1
    )
    [untouched] = add_deliveries(database, other, 1)

    failed = await disable_endpoint(connection, gone, reason="endpoint disabled")

    assert failed == 3
    for delivery_id in pending:
        row = delivery(database, delivery_id)
        assert (row.status, row.next_attempt_at, row.last_error) == (
            "failed",
            None,
            "endpoint disabled",
        )
    assert delivery(database, finished).status == "delivered"
    assert delivery(database, untouched).status == "pending"
    with database.engine.connect() as sql:
        enabled = sql.execute(sa.select(webhook_endpoints.c.id, webhook_endpoints.c.enabled)).all()
    assert dict(enabled) == {gone: False, other: True}
