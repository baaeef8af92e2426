"""The bookings repository: written once against a synchronous SQLAlchemy Connection.

The async API runs it through `AsyncConnection.run_sync` (see database.py), so every query
exists in one place for both the API and the worker.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from bookings.domain.commands import Period
from bookings.domain.errors import StaleBooking
from bookings.domain.model import Booking
from bookings.domain.ports import BookingListQuery
from bookings.persistence.conflicts import as_domain_error
from bookings.persistence.rows import booking_from_row, booking_values
from bookings.persistence.tables import bookings


class SqlBookingRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._loaded_versions: dict[UUID, int] = {}
        self.seen: list[Booking] = []

    def add(self, booking: Booking) -> None:
        self._execute_write(insert(bookings).values(booking_values(booking)))
        self._track(booking)

    def get(self, booking_id: UUID, *, for_update: bool = False) -> Booking | None:
        statement = select(bookings).where(bookings.c.id == booking_id)
        if for_update:
            statement = statement.with_for_update()
        row = self._connection.execute(statement).first()
        if row is None:
            return None
        booking = booking_from_row(row)
        self._track(booking)
        return booking

    def save(self, booking: Booking) -> None:
        loaded_version = self._loaded_versions[booking.id]
        statement = (
            update(bookings)
            .where(bookings.c.id == booking.id, bookings.c.version == loaded_version)
            .values(booking_values(booking))
        )
        if self._execute_write(statement) != 1:
            raise StaleBooking(booking.id)
        self._loaded_versions[booking.id] = booking.version

    def list(self, query: BookingListQuery) -> tuple[list[Booking], int]:
        if query.period is Period.UPCOMING:
            in_period = bookings.c.start_time >= query.now
            order = (bookings.c.start_time.asc(), bookings.c.id.asc())
        else:
            in_period = bookings.c.start_time < query.now
            order = (bookings.c.start_time.desc(), bookings.c.id.desc())
        conditions = [in_period]
        if query.provider_id is not None:
            conditions.append(bookings.c.provider_id == query.provider_id)
        page = select(bookings).where(*conditions).order_by(*order)
        rows = self._connection.execute(page.offset(query.offset).limit(query.limit)).all()
        # Counted over the (provider_id, start_time, id) index: the cost follows the size of the
        # matching range, never the size of the table.
        count = select(func.count()).select_from(bookings).where(*conditions)
        total = self._connection.execute(count).scalar_one()
        return [booking_from_row(row) for row in rows], total

    def _execute_write(self, statement: object) -> int:
        try:
            result = self._connection.execute(statement)  # type: ignore[call-overload]
        except IntegrityError as error:
            domain_error = as_domain_error(error)
            if domain_error is None:
                raise
            raise domain_error from None
        rowcount: int = result.rowcount
        return rowcount

    def _track(self, booking: Booking) -> None:
        self._loaded_versions[booking.id] = booking.version
        self.seen.append(booking)
