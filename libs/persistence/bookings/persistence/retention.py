"""How long rows that only serve a while are kept: idempotency keys expire, and so do outbox
rows once published."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Engine, delete, select

from bookings.persistence.tables import idempotency_keys, outbox

# Published outbox rows deleted per transaction: short transactions, short locks.
OUTBOX_BATCH = 1_000


def delete_idempotency_keys_before(connection: Connection, cutoff: datetime) -> int:
    """Deletes keys created before `cutoff`; returns how many."""
    result = connection.execute(
        delete(idempotency_keys).where(idempotency_keys.c.created_at < cutoff)
    )
    deleted: int = result.rowcount
    return deleted


def delete_published_outbox_rows_before(
    engine: Engine, cutoff: datetime, *, max_batches: int = 100
) -> int:
    """Deletes outbox rows published before `cutoff`, oldest first, a batch per transaction,
    at most `max_batches` batches (the next pass goes on); returns how many."""
    oldest_published = (
        select(outbox.c.id)
        .where(outbox.c.published_at < cutoff)
        .order_by(outbox.c.id)
        .limit(OUTBOX_BATCH)
        .with_for_update(skip_locked=True)
    )
    statement = delete(outbox).where(outbox.c.id.in_(oldest_published.scalar_subquery()))
    deleted = 0
    for _ in range(max_batches):
        with engine.begin() as connection:
            batch: int = connection.execute(statement).rowcount
        deleted += batch
        if batch < OUTBOX_BATCH:
            break
    return deleted
