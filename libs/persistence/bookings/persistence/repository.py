"""The bookings repository for synchronous callers, over a SQLAlchemy Connection.

It runs the SQL of `statements`, the same text the API runs on psycopg's async connections,
through `exec_driver_sql`: every query exists once for both. Each change writes its event's
outbox row in the same statement, so the event commits exactly when the change does.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from bookings.domain.errors import StaleBooking
from bookings.domain.model import Booking
from bookings.persistence import statements
from bookings.persistence.conflicts import as_domain_error
from bookings.persistence.rows import add_values, booking_from_row, save_values


class SqlBookingRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._loaded_versions: dict[UUID, int] = {}

    def add(self, booking: Booking) -> None:
        self._execute_write(statements.ADD_BOOKING, add_values(booking))
        self._loaded_versions[booking.id] = booking.version

    def get(self, booking_id: UUID, *, for_update: bool = False) -> Booking | None:
        sql = statements.BOOKING_FOR_UPDATE if for_update else statements.BOOKING[False]
        row = self._connection.exec_driver_sql(sql, {"booking_id": booking_id}).first()
        if row is None:
            return None
        booking = booking_from_row(row)
        self._loaded_versions[booking.id] = booking.version
        return booking

    def save(self, booking: Booking) -> None:
        params = save_values(booking, self._loaded_versions[booking.id])
        if not self._execute_write(statements.SAVE_BOOKING, params):
            raise StaleBooking(booking.id)
        self._loaded_versions[booking.id] = booking.version

    def _execute_write(self, sql: str, params: dict[str, Any]) -> bool:
        """Runs a change with its event; whether it was made (a stale version makes none)."""
        try:
            result = self._connection.exec_driver_sql(sql, params)
        except IntegrityError as error:
            domain_error = as_domain_error(error.orig)
            if domain_error is None:
                raise
            raise domain_error from None
        return result.first() is not None
