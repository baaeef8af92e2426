from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from uuid import uuid4

import msgspec
import pytest
import sqlalchemy as sa

from bookings.domain.access import Actor
from bookings.domain.commands import CreateBooking
from bookings.domain.decisions import Context
from bookings.domain.handlers import create_booking
from bookings.persistence.database import Database
from bookings.persistence.outbox import claim_unpublished, mark_published, outbox_lag
from bookings.persistence.tables import outbox

NOW = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
CONTEXT = Context(clock=lambda: NOW, reminder_lead=timedelta(minutes=10))


@pytest.fixture
def database(postgres_url: str) -> Iterator[Database]:
    db = Database(postgres_url)
    with db.engine.begin() as connection:
        connection.execute(sa.delete(outbox))
    yield db
    db.close()


def create_bookings(database: Database, count: int) -> None:
    actor = Actor(id=f"provider-{uuid4()}")
    for i in range(count):
        start = NOW + timedelta(hours=1 + 2 * i)
        command = CreateBooking(actor, "Call", start, start + timedelta(hours=1))
        database.run(partial(create_booking, command, context=CONTEXT))


def test_claimed_rows_hold_the_encoded_data_and_booking_columns_in_commit_order(
    database: Database,
) -> None:
    create_bookings(database, 3)

    with database.engine.begin() as connection:
        rows = claim_unpublished(connection, limit=10)

    assert [row.id for row in rows] == sorted(row.id for row in rows)
    assert {row.event_type for row in rows} == {"booking.created"}
    data = msgspec.json.decode(rows[0].data)
    assert data["bookingId"] == str(rows[0].booking_id)
    assert data["providerId"] == rows[0].provider_id
    assert data["version"] == rows[0].version == 1
    assert rows[0].reminder_due_at is not None
    assert "reminderDueAt" not in data


def test_concurrent_claims_never_share_a_row(database: Database) -> None:
    create_bookings(database, 10)

    with database.engine.begin() as first, database.engine.begin() as second:
        mine = claim_unpublished(first, limit=4)
        theirs = claim_unpublished(second, limit=100)

    assert len(mine) == 4
    assert len(theirs) == 6
    assert not {row.id for row in mine} & {row.id for row in theirs}


def test_published_rows_are_not_claimed_again_but_rolled_back_claims_are(
    database: Database,
) -> None:
    create_bookings(database, 4)
    with database.engine.begin() as connection:
        published = claim_unpublished(connection, limit=2)
        mark_published(connection, [row.id for row in published], now=NOW)
    with database.engine.connect() as connection:
        abandoned = claim_unpublished(connection, limit=10)
        connection.rollback()  # a relay that died before marking them

    with database.engine.begin() as connection:
        remaining = claim_unpublished(connection, limit=10)

    assert [row.id for row in remaining] == [row.id for row in abandoned]
    assert not {row.id for row in remaining} & {row.id for row in published}


def test_lag_counts_unpublished_rows_and_the_oldest_of_them(database: Database) -> None:
    with database.engine.connect() as connection:
        assert outbox_lag(connection).unpublished == 0
        assert outbox_lag(connection).oldest_created_at is None
    create_bookings(database, 3)
    with database.engine.begin() as connection:
        [first] = claim_unpublished(connection, limit=1)
        mark_published(connection, [first.id], now=NOW)

    with database.engine.connect() as connection:
        lag = outbox_lag(connection)

    assert lag.unpublished == 2
    assert lag.oldest_created_at == NOW
