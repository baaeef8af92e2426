"""DATABASE_URL as operators write it, turned into what SQLAlchemy and psycopg expect.

The URL is checked once, where it is read (`bookings.runtime.settings.database_url`).
"""

from __future__ import annotations


def sqlalchemy_url(database_url: str) -> str:
    """`postgres://` and `postgresql://` become `postgresql+psycopg://` (psycopg 3)."""
    return "postgresql+psycopg://" + database_url.partition("://")[2]


def libpq_url(database_url: str) -> str:
    """The same URL for plain psycopg (LISTEN/NOTIFY and other raw connections)."""
    return "postgresql://" + database_url.partition("://")[2]
