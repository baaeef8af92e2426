"""Webhook deliveries for the tests on a real PostgreSQL: endpoints and deliveries added straight
to the tables, a delivery read back, and the sender's claim with its lease."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from psycopg import AsyncConnection

from bookings.persistence.database import Database
from bookings.persistence.delivery_claims import ClaimedDelivery, claim_due
from bookings.persistence.tables import webhook_deliveries, webhook_endpoints

LEASE = timedelta(seconds=30)
Connection = AsyncConnection[Any]


def add_endpoint(database: Database, *, enabled: bool = True, **columns: Any) -> UUID:
    endpoint_id = uuid4()
    values = {
        "id": endpoint_id,
        "owner": "admin",
        "provider_id": None,
        "url": "http://127.0.0.1:9/hook",
        "events": ["booking.created"],
        "enabled": enabled,
        "secret": "whsec_" + "A" * 44,
        "created_at": sa.func.now(),
        "updated_at": sa.func.now(),
        **columns,
    }
    with database.engine.begin() as connection:
        connection.execute(sa.insert(webhook_endpoints).values(values))
    return endpoint_id


def add_deliveries(
    database: Database, endpoint_id: UUID, count: int, *, due_in: float = -1.0, **columns: Any
) -> list[UUID]:
    now = datetime.now(UTC)
    rows = [
        {
            "id": uuid4(),
            "endpoint_id": endpoint_id,
            "event_id": uuid4(),
            "event_type": "booking.created",
            "data": b"{}",
            "occurred_at": now,
            "status": "pending",
            "attempts": 0,
            # Oldest due first, in insertion order.
            "next_attempt_at": now + timedelta(seconds=due_in, microseconds=i),
            "created_at": now,
            "updated_at": now,
            **columns,
        }
        for i in range(count)
    ]
    with database.engine.begin() as connection:
        connection.execute(sa.insert(webhook_deliveries), rows)
    return [row["id"] for row in rows]


def delivery(database: Database, delivery_id: UUID) -> Any:
    with database.engine.connect() as connection:
        statement = sa.select(webhook_deliveries).where(webhook_deliveries.c.id == delivery_id)
        return connection.execute(statement).one()


async def claim(
    connection: Connection,
    *,
    capacity: int = 100,
    per_endpoint: int = 100,
    busy: dict[UUID, int] | None = None,
) -> list[ClaimedDelivery]:
    return await claim_due(
        connection, capacity=capacity, per_endpoint=per_endpoint, busy=busy or {}, lease=LEASE
    )
