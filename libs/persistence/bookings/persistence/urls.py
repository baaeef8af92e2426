"""DATABASE_URL as operators write it, turned into what SQLAlchemy and psycopg expect."""

from __future__ import annotations

from urllib.parse import urlsplit

_SCHEMES = {"postgres", "postgresql", "postgresql+psycopg"}


class InvalidDatabaseUrl(ValueError):
    pass


def sqlalchemy_url(database_url: str) -> str:
    """`postgres://` and `postgresql://` become `postgresql+psycopg://` (psycopg 3)."""
    scheme, sep, rest = database_url.partition("://")
    if not sep or scheme not in _SCHEMES or not urlsplit(database_url).hostname:
        raise InvalidDatabaseUrl(
            "expected postgresql://USER:PASSWORD@HOST:PORT/DATABASE (postgres:// works too)"
        )
    return f"postgresql+psycopg://{rest}"


def libpq_url(database_url: str) -> str:
    """The same URL for plain psycopg (LISTEN/NOTIFY and other raw connections)."""
    return "postgresql://" + sqlalchemy_url(database_url).partition("://")[2]
