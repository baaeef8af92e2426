"""Retention on a real PostgreSQL: idempotency keys, published outbox rows and finished webhook
deliveries deleted once older than a cutoff, the big tables in batches."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import sqlalchemy as sa

from bookings.persistence.database import Database
from bookings.persistence.retention import (
    RETENTION_BATCH,
    delete_finished_deliveries_before,
    delete_idempotency_keys_before,
    delete_published_outbox_rows_before,
    outbox_rows_published_before,
)
from bookings.persistence.tables import idempotency_keys, outbox, webhook_deliveries
from bookings.persistence.testing_deliveries import add_deliveries, add_endpoint

NOW = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)


def test_only_keys_created_before_the_cutoff_are_deleted(postgres_url: str) -> None:
    database = Database(postgres_url)
    ages = {"fresh": timedelta(hours=1), "old": timedelta(hours=25), "older": timedelta(days=3)}
    with database.engine.begin() as connection:
        connection.execute(
            sa.insert(idempotency_keys),
            [
                {"principal": "p", "key": key, "fingerprint": "f", "created_at": NOW - age}
                for key, age in ages.items()
            ],
        )

    with database.engine.begin() as connection:
        deleted = delete_idempotency_keys_before(connection, NOW - timedelta(hours=24))

    with database.engine.connect() as connection:
        left = connection.execute(sa.select(idempotency_keys.c.key)).scalars().all()
    database.close()
    assert deleted == 2
    assert left == ["fresh"]


def test_published_outbox_rows_before_the_cutoff_are_deleted_in_batches(
    postgres_url: str,
) -> None:
    database = Database(postgres_url)
    cutoff = NOW - timedelta(days=7)
    old, recent = cutoff - timedelta(hours=1), cutoff + timedelta(hours=1)

    def rows(count: int, published_at: datetime | None) -> list[dict[str, object]]:
        return [
            {
                "event_id": uuid4(),
                "event_type": "booking.created",
                "booking_id": uuid4(),
                "provider_id": "provider-1",
                "version": 1,
                "data": b"{}",
                "created_at": old,
                "published_at": published_at,
            }
            for _ in range(count)
        ]

    old_published = RETENTION_BATCH * 2 + 5
    with database.engine.begin() as connection:
        connection.execute(sa.delete(outbox))
        connection.execute(sa.insert(outbox), rows(old_published, old))
        connection.execute(sa.insert(outbox), rows(3, recent))
        connection.execute(sa.insert(outbox), rows(2, None))  # never published: kept, however old

    deleted = delete_published_outbox_rows_before(database.engine, cutoff)

    with database.engine.connect() as connection:
        left = connection.execute(sa.select(outbox.c.published_at)).scalars().all()
    database.close()
    assert deleted == old_published
    assert sorted(left, key=lambda at: at or NOW) == [recent] * 3 + [None] * 2


def test_finished_deliveries_past_the_cutoff_are_deleted_in_batches(database: Database) -> None:
    endpoint = add_endpoint(database)
    cutoff = datetime.now(UTC) - timedelta(days=30)
    old, recent = cutoff - timedelta(hours=1), cutoff + timedelta(hours=1)
    finished: dict[str, Any] = {"next_attempt_at": None, "updated_at": old}
    add_deliveries(database, endpoint, RETENTION_BATCH + 5, status="delivered", **finished)
    add_deliveries(database, endpoint, 3, status="failed", **finished)
    kept = add_deliveries(
        database, endpoint, 2, status="delivered", next_attempt_at=None, updated_at=recent
    )
    kept += add_deliveries(database, endpoint, 2, updated_at=old)  # pending, however old

    deleted = delete_finished_deliveries_before(database.engine, cutoff)

    with database.engine.connect() as connection:
        left = connection.execute(sa.select(webhook_deliveries.c.id)).scalars().all()
    assert deleted == RETENTION_BATCH + 8
    assert sorted(left) == sorted(kept)


def test_published_outbox_rows_are_found_through_their_index(postgres_url: str) -> None:
    database = Database(postgres_url)
    query = outbox_rows_published_before(NOW)
    with database.engine.connect() as connection:
        connection.execute(sa.text("SET LOCAL enable_seqscan = off"))  # an empty table is cheap
        compiled = query.compile(connection)
        plan = "\n".join(
            connection.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).scalars()
        )
    database.close()
    assert "ix_outbox_published_at" in plan
