"""Engines and the one way to run work against them, from sync code (worker) or async (API).

Work is a plain function of a unit of work, e.g. `lambda uow: handlers.cancel_booking(...)`.
The async engine runs it with `AsyncConnection.run_sync`: SQLAlchemy drives the same sync code
over asyncio I/O, so no query is written twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import msgspec
from sqlalchemy import Engine, create_engine
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

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
    """Synchronous access, for the worker and for scripts."""

    def __init__(self, database_url: str, *, pool_size: int = 5) -> None:
        self.engine: Engine = create_engine(
            sqlalchemy_url(database_url), **_engine_options(pool_size)
        )

    def run(self, work: Work[T]) -> T:
        with self.engine.connect() as connection:
            return work(SqlUnitOfWork(connection))

    def close(self) -> None:
        self.engine.dispose()


class AsyncDatabase:
    """Asynchronous access, for the API."""

    def __init__(self, database_url: str, *, pool_size: int = 10) -> None:
        self.engine: AsyncEngine = create_async_engine(
            sqlalchemy_url(database_url), **_engine_options(pool_size)
        )

    async def run(self, work: Work[T], *, read_only: bool = False) -> T:
        """`read_only` work runs in autocommit: no BEGIN/ROLLBACK round trips. Each statement
        still sees its own committed snapshot, as it would inside a READ COMMITTED transaction.
        """
        async with self.engine.connect() as connection:
            if read_only:
                connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            return await connection.run_sync(
                lambda sync: work(SqlUnitOfWork(sync, read_only=read_only))
            )

    async def close(self) -> None:
        await self.engine.dispose()
