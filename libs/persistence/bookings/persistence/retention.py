"""How long rows that only serve a while are kept: idempotency keys expire."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete

from bookings.persistence.tables import idempotency_keys


def delete_idempotency_keys_before(connection: Connection, cutoff: datetime) -> int:
    """Deletes keys created before `cutoff`; returns how many."""
    result = connection.execute(
        delete(idempotency_keys).where(idempotency_keys.c.created_at < cutoff)
    )
    deleted: int = result.rowcount
    return deleted
