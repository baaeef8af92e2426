"""The backlog of webhook deliveries, for the sender's gauges: how many wait, and since when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from sqlalchemy import func, select

from bookings.persistence.statements import compiled
from bookings.persistence.tables import webhook_deliveries as deliveries
from bookings.persistence.tables import webhook_endpoints as endpoints
from bookings.persistence.webhook_deliveries import PENDING_SQL


@dataclass(frozen=True)
class Backlog:
    pending: int
    oldest_created_at: datetime | None


_BACKLOG = compiled(
    select(func.count(), func.min(deliveries.c.created_at))
    .select_from(deliveries.join(endpoints, endpoints.c.id == deliveries.c.endpoint_id))
    .where(deliveries.c.status == PENDING_SQL, endpoints.c.enabled)
)


async def backlog(connection: AsyncConnection[Any]) -> Backlog:
    """Pending deliveries of enabled endpoints (a disabled one's wait, on purpose), and the
    creation time of the oldest."""
    cursor = await connection.execute(_BACKLOG)
    row = await cursor.fetchone()
    count, oldest = row if row is not None else (0, None)
    return Backlog(pending=count, oldest_created_at=oldest)
