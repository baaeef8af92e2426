from collections.abc import Iterator

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
from bookings.testing.postgres import (
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
