import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from bookings.migrations.cli import main
from bookings.migrations.config import alembic_config
from bookings.persistence.tables import metadata
from bookings.persistence.urls import sqlalchemy_url
from bookings.servers.postgres import (
    create_database,
    database_url,
    drop_database,
    unique_database_name,
)


@pytest.fixture
def empty_database(postgres_server_url: str, database_template: str) -> Iterator[str]:
    name = unique_database_name("migrations")
    create_database(postgres_server_url, name, template=database_template)
    yield database_url(postgres_server_url, name)
    drop_database(postgres_server_url, name)


def schema_differences(url: str) -> list[object]:
    engine = sa.create_engine(sqlalchemy_url(url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    engine = sa.create_engine(sqlalchemy_url(url))
    try:
        with engine.connect() as connection:
            return set(sa.inspect(connection).get_table_names())
    finally:
        engine.dispose()


def test_migrations_create_exactly_the_schema_of_the_models(empty_database: str) -> None:
    command.upgrade(alembic_config(empty_database), "head")
    assert schema_differences(empty_database) == []


def test_migrations_have_a_single_head() -> None:
    assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1


def test_downgrade_to_base_then_upgrade_again(empty_database: str) -> None:
    config = alembic_config(empty_database)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    assert table_names(empty_database) == {"alembic_version"}
    command.upgrade(config, "head")
    assert {"bookings", "outbox", "idempotency_keys"} <= table_names(empty_database)
    assert schema_differences(empty_database) == []


def test_cli_upgrades_to_head_from_database_url(
    empty_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", empty_database.replace("postgresql://", "postgres://"))
    assert main([]) == 0
    assert "bookings" in table_names(empty_database)


def test_cli_reports_a_bad_database_url_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://nope")
    assert main(["upgrade", "head"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("migrate: DATABASE_URL is invalid")
    assert error.count("\n") == 1


def test_outbox_rows_written_before_0003_keep_their_event(empty_database: str) -> None:
    config = alembic_config(empty_database)
    command.upgrade(config, "0002")
    data = {
        "bookingId": "0b7d5e0e-1a52-4f5e-9a41-6b5f0a1c2d3e",
        "id": "0b7d5e0e-1a52-4f5e-9a41-6b5f0a1c2d3e",
        "providerId": "prov-a",
        "title": "Call",
        "version": 2,
        "reminderDueAt": "2030-01-02T08:50:00Z",
    }
    envelope = {
        "id": "6f1c1a52-47a5-4c39-9d2b-0ab3c1f4a001",
        "eventId": "6f1c1a52-47a5-4c39-9d2b-0ab3c1f4a001",
        "event": "booking.rescheduled",
        "occurredAt": "2030-01-01T09:00:00Z",
        "data": data,
    }
    older = {**envelope, "data": {k: v for k, v in data.items() if k != "version"}}
    engine = sa.create_engine(sqlalchemy_url(empty_database))
    insert = sa.text(
        "INSERT INTO outbox (event_id, event_type, payload, created_at)"
        " VALUES (gen_random_uuid(), 'booking.rescheduled', CAST(:payload AS jsonb), now())"
    )
    try:
        with engine.begin() as connection:
            for payload in (envelope, older):
                connection.execute(insert, {"payload": json.dumps(payload)})
        command.upgrade(config, "head")
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT booking_id::text, provider_id, version, reminder_due_at, data"
                    " FROM outbox ORDER BY id"
                )
            ).all()
    finally:
        engine.dispose()
    moved, without_version = rows
    assert moved[:3] == (data["bookingId"], "prov-a", 2)
    assert moved.reminder_due_at == datetime(2030, 1, 2, 8, 50, tzinfo=UTC)
    assert json.loads(moved.data) == data
    assert without_version.version == 0
