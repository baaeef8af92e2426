from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from bookings.persistence.database import Database
from bookings.persistence.retention import delete_idempotency_keys_before
from bookings.persistence.tables import idempotency_keys

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
