"""The booking reads: one statement each on a pooled connection, rows straight into responses."""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from bookings.api.schemas import BookingPage, BookingResponse
from bookings.domain import decisions
from bookings.domain.commands import GetBooking, ListBookings, ListPosition
from bookings.domain.decisions import Context
from bookings.domain.errors import BookingNotFound
from bookings.persistence import reads


class BookingQueries:
    def __init__(self, pool: AsyncConnectionPool[AsyncConnection[Any]], context: Context) -> None:
        self._pool = pool
        self._context = context

    async def get(self, query: GetBooking) -> BookingResponse:
        async with self._pool.connection() as connection:
            found = await reads.fetch_booking(
                connection, query.booking_id, query.actor.visible_provider, BookingResponse.of_row
            )
        if found is None:
            raise BookingNotFound(query.booking_id)
        return found

    async def list(self, query: ListBookings) -> BookingPage:
        storage_query = decisions.list_query(query, self._context)
        async with self._pool.connection() as connection:
            found = await reads.fetch_page(connection, storage_query, BookingResponse.of_row)
        return BookingPage.of(decisions.page_of(query, storage_query, found, _position_of))


def _position_of(item: BookingResponse) -> ListPosition:
    return ListPosition(start_time=item.start_time, booking_id=item.id)
