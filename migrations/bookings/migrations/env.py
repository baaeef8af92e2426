"""Alembic's entry: connects to DATABASE_URL (or the URL a caller passed) and migrates."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine, pool

from bookings.persistence.tables import metadata
from bookings.persistence.urls import sqlalchemy_url

DEFAULT_DATABASE_URL = "postgresql://postgres:postgres@localhost:5432/bookings"


def database_url() -> str:
    given = context.config.attributes.get("database_url")
    return sqlalchemy_url(given or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)


def run_offline() -> None:
    context.configure(url=database_url(), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = create_engine(database_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
