"""The unit of work: one transaction, and the outbox rows of every event it recorded."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Connection, RootTransaction

from bookings.persistence import statements
from bookings.persistence.repository import SqlBookingRepository
from bookings.persistence.rows import outbox_values


class SqlUnitOfWork:
    """Events recorded by the bookings it saw are written to the outbox in the same commit."""

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
        events = [event for booking in self.bookings.seen for event in booking.pull_events()]
        if events:
            rows = [outbox_values(event) for event in events]
            self._connection.exec_driver_sql(statements.ADD_OUTBOX_ROW, rows)
        self._transaction.commit()
