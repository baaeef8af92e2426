"""The bookings repository for synchronous callers, over a SQLAlchemy Connection.

It runs the SQL of `statements`, the same text the API runs on psycopg's async connections,
through `exec_driver_sql`: every query exists once for both.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from bookings.domain.errors import StaleBooking
from bookings.domain.model import Booking
from bookings.domain.ports import BookingListQuery, Found
from bookings.persistence import statements
from bookings.persistence.conflicts import as_domain_error
from bookings.persistence.rows import (
    BOOKING_COLUMNS,
    booking_from_row,
    booking_values,
    list_statement,
    save_values,
)


class SqlBookingRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._loaded_versions: dict[UUID, int] = {}
        self.seen: list[Booking] = []

    def add(self, booking: Booking) -> None:
        self._execute_write(statements.ADD_BOOKING, booking_values(booking))
        self._track(booking)

    def get(self, booking_id: UUID, *, for_update: bool = False) -> Booking | None:
        sql = (statements.BOOKING_FOR_UPDATE if for_update else statements.BOOKING)[False]
        row = self._connection.exec_driver_sql(sql, {"booking_id": booking_id}).first()
        if row is None:
            return None
        booking = booking_from_row(row)
        self._track(booking)
        return booking

    def save(self, booking: Booking) -> None:
        params = save_values(booking, self._loaded_versions[booking.id])
        if self._execute_write(statements.SAVE_BOOKING, params) != 1:
            raise StaleBooking(booking.id)
        self._loaded_versions[booking.id] = booking.version

    def list(self, query: BookingListQuery) -> Found[Booking]:
        sql, params = list_statement(query)
        rows = self._connection.exec_driver_sql(sql, params).all()
        found = [booking_from_row(row) for row in rows if row[0] is not None]
        return Found(
            items=found[: query.limit],
            counted=rows[0][BOOKING_COLUMNS],
            more=len(found) > query.limit,
        )

    def _execute_write(self, sql: str, params: dict[str, Any]) -> int:
        try:
            result = self._connection.exec_driver_sql(sql, params)
        except IntegrityError as error:
            domain_error = as_domain_error(error.orig)
            if domain_error is None:
                raise
            raise domain_error from None
        rowcount: int = result.rowcount
        return rowcount

    def _track(self, booking: Booking) -> None:
        self._loaded_versions[booking.id] = booking.version
        self.seen.append(booking)
