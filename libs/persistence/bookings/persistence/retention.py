"""How long rows that only serve a while are kept: idempotency keys expire, and so do outbox
rows once published and webhook deliveries once delivered or failed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Delete, Engine, Select, delete, select

from bookings.persistence.tables import idempotency_keys, outbox, webhook_deliveries
from bookings.persistence.webhook_deliveries import PENDING_SQL

# Rows deleted per transaction: short transactions, short locks.
RETENTION_BATCH = 1_000


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
    batch = outbox_rows_published_before(cutoff).scalar_subquery()
    return _delete_in_batches(engine, delete(outbox).where(outbox.c.id.in_(batch)), max_batches)


def outbox_rows_published_before(cutoff: datetime) -> Select[tuple[int]]:
    """The ids of a batch of the oldest rows published before `cutoff`, read through the
    index ix_outbox_published_at (none due: nothing else is read)."""
    return (
        select(outbox.c.id)
        .where(outbox.c.published_at < cutoff)
        .order_by(outbox.c.published_at)
        .limit(RETENTION_BATCH)
        .with_for_update(skip_locked=True)
    )


def delete_finished_deliveries_before(
    engine: Engine, cutoff: datetime, *, max_batches: int = 100
) -> int:
    """Deletes webhook deliveries delivered or failed before `cutoff`, a batch per transaction,
    at most `max_batches` batches (the next pass goes on); returns how many."""
    finished = (
        select(webhook_deliveries.c.id)
        .where(
            # A literal, as the partial index `ix_webhook_deliveries_finished` states it.
            webhook_deliveries.c.status != PENDING_SQL,
            webhook_deliveries.c.updated_at < cutoff,
        )
        .limit(RETENTION_BATCH)
        .with_for_update(skip_locked=True)
    )
    statement = delete(webhook_deliveries).where(
        webhook_deliveries.c.id.in_(finished.scalar_subquery())
    )
    return _delete_in_batches(engine, statement, max_batches)


def _delete_in_batches(engine: Engine, statement: Delete, max_batches: int) -> int:
    """Runs `statement` (which deletes at most `RETENTION_BATCH` rows) in a transaction each
    time, until a batch comes out short or `max_batches` ran; returns how many rows went."""
    deleted = 0
    for _ in range(max_batches):
        with engine.begin() as connection:
            batch: int = connection.execute(statement).rowcount
        deleted += batch
        if batch < RETENTION_BATCH:
            break
    return deleted
