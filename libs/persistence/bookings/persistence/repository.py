"""The bookings repository: written once against a synchronous SQLAlchemy Connection.

The async API runs it through `AsyncConnection.run_sync` (see database.py), so every query
exists in one place for both the API and the worker.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Executable, bindparam, func, insert, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import ColumnElement

from bookings.domain.commands import Period
from bookings.domain.errors import StaleBooking
from bookings.domain.model import Booking
from bookings.domain.ports import BookingListQuery
from bookings.persistence.conflicts import as_domain_error
from bookings.persistence.rows import booking_from_row, booking_values
from bookings.persistence.tables import bookings

# Statements are built once; each call only binds parameters, so SQLAlchemy neither rebuilds
# nor re-coerces them on the hot path.
_INSERT = insert(bookings)
_SELECT = select(bookings).where(bookings.c.id == bindparam("booking_id"))
_SELECT_FOR_UPDATE = _SELECT.with_for_update()
_UPDATE = update(bookings).where(
    bookings.c.id == bindparam("booking_id"), bookings.c.version == bindparam("loaded_version")
)


def _list_statement(period: Period, *, one_provider: bool) -> Executable:
    """One kind of list: the page's rows, each with the total, in one round trip.

    The count is joined to the page (`ON true`), so an empty page still gives one row: the
    total, with no booking (its columns NULL).
    """
    upcoming = period is Period.UPCOMING
    conditions = [
        (
            bookings.c.start_time >= bindparam("now")
            if upcoming
            else bookings.c.start_time < bindparam("now")
        )
    ]
    if one_provider:
        conditions.append(bookings.c.provider_id == bindparam("provider_id"))

    def ordered(start: ColumnElement[Any], key: ColumnElement[Any]) -> tuple[Any, Any]:
        return (start.asc(), key.asc()) if upcoming else (start.desc(), key.desc())

    page = (
        select(bookings)
        .where(*conditions)
        .order_by(*ordered(bookings.c.start_time, bookings.c.id))
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
        .subquery("page")
    )
    # Counted over the (provider_id, start_time, id) index: the cost follows the size of the
    # matching range, never the size of the table.
    counted = (
        select(func.count().label("total"))
        .select_from(bookings)
        .where(*conditions)
        .subquery("counted")
    )
    return (
        select(page, counted.c.total)
        .select_from(counted.outerjoin(page, true()))
        .order_by(*ordered(page.c.start_time, page.c.id))
    )


_LISTS = {
    (period, one_provider): _list_statement(period, one_provider=one_provider)
    for period in Period
    for one_provider in (True, False)
}


class ReadOnlyWork(RuntimeError):
    """Work run as read-only tried to change something: a programming error."""


class SqlBookingRepository:
    def __init__(self, connection: Connection, *, read_only: bool = False) -> None:
        self._connection = connection
        # Read-only work may run in autocommit, where a write would commit on its own.
        self._read_only = read_only
        self._loaded_versions: dict[UUID, int] = {}
        self.seen: list[Booking] = []

    def add(self, booking: Booking) -> None:
        self._execute_write(_INSERT, booking_values(booking))
        self._track(booking)

    def get(self, booking_id: UUID, *, for_update: bool = False) -> Booking | None:
        statement = _SELECT_FOR_UPDATE if for_update else _SELECT
        row = self._connection.execute(statement, {"booking_id": booking_id}).first()
        if row is None:
            return None
        booking = booking_from_row(row)
        self._track(booking)
        return booking

    def save(self, booking: Booking) -> None:
        values = booking_values(booking)
        del values["id"]  # the key never changes; it is matched by `booking_id`
        values |= {"booking_id": booking.id, "loaded_version": self._loaded_versions[booking.id]}
        if self._execute_write(_UPDATE, values) != 1:
            raise StaleBooking(booking.id)
        self._loaded_versions[booking.id] = booking.version

    def list(self, query: BookingListQuery) -> tuple[list[Booking], int]:
        statement = _LISTS[query.period, query.provider_id is not None]
        params = {"now": query.now, "offset": query.offset, "limit": query.limit}
        if query.provider_id is not None:
            params["provider_id"] = query.provider_id
        rows = self._connection.execute(statement, params).all()
        total: int = rows[0].total
        return [booking_from_row(row) for row in rows if row.id is not None], total

    def _execute_write(self, statement: Executable, params: dict[str, object]) -> int:
        if self._read_only:
            raise ReadOnlyWork("a read-only unit of work cannot write")
        try:
            result = self._connection.execute(statement, params)
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
