"""The synchronous engine and the one way to run work against it (the worker, scripts).

Work is a plain function of a unit of work, e.g. `lambda uow: handlers.cancel_booking(...)`.
The API does not come here: it runs the same statements on psycopg's async pool (`pool`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import msgspec
from sqlalchemy import Engine, create_engine

from bookings.persistence.uow import SqlUnitOfWork
from bookings.persistence.urls import sqlalchemy_url

T = TypeVar("T")
Work = Callable[[SqlUnitOfWork], T]


def _engine_options(pool_size: int) -> dict[str, Any]:
    return {
        "pool_size": pool_size,
        "max_overflow": pool_size,
        "pool_recycle": 1800,
        # Every timestamp comes back in UTC, whatever the server's default zone.
        "connect_args": {"options": "-c timezone=UTC"},
        "json_serializer": lambda value: msgspec.json.encode(value).decode(),
    }


class Database:
    def __init__(self, database_url: str, *, pool_size: int = 5) -> None:
        self.engine: Engine = create_engine(
            sqlalchemy_url(database_url), **_engine_options(pool_size)
        )

    def run(self, work: Work[T]) -> T:
        with self.engine.connect() as connection:
            return work(SqlUnitOfWork(connection))

    def close(self) -> None:
        self.engine.dispose()
