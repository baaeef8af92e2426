"""The unit of work: one transaction. Each change writes its event with it (see repository),
so what commits is the changes and their events together."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Connection, RootTransaction

from bookings.persistence.repository import SqlBookingRepository


class SqlUnitOfWork:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._transaction: RootTransaction | None = None
        self.bookings = SqlBookingRepository(connection)

    def __enter__(self) -> Self:
        self._transaction = self._connection.begin()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._transaction is not None and self._transaction.is_active:
            self._transaction.rollback()
        self._transaction = None

    def commit(self) -> None:
        if self._transaction is None:
            raise RuntimeError("commit() outside `with unit_of_work:`")
        self._transaction.commit()
