"""The Alembic configuration, built in code: no alembic.ini to ship or keep in sync."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config

SCRIPT_LOCATION = Path(__file__).parent


def alembic_config(database_url: str | None = None) -> Config:
    """Config for this folder's migrations; `database_url` overrides DATABASE_URL."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    if database_url is not None:
        # Kept out of the ini options, whose interpolation would choke on `%` in passwords.
        config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)
