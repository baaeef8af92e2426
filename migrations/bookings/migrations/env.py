"""Alembic's entry: connects to DATABASE_URL (or the URL a caller passed) and migrates."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from bookings.persistence.tables import metadata
from bookings.persistence.urls import sqlalchemy_url
from bookings.runtime.env import Env
from bookings.runtime.settings import database_url


def engine_url() -> str:
    """The URL a caller passed (`config.upgrade`), else DATABASE_URL, for SQLAlchemy."""
    given = context.config.attributes.get("database_url")
    return sqlalchemy_url(given or database_url(Env()))


def run_offline() -> None:
    context.configure(url=engine_url(), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = create_engine(engine_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
