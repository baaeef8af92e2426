"""The API's reads as read models: one statement each, rows handed straight to a row maker.

`row` builds whatever the caller answers with (the API's response Struct) from the columns of
`tables.bookings`, in order; no domain object is built on the way. Ownership is part of the
statement: `provider_id` narrows the lookup to that provider's bookings (None: any).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import args_row

from bookings.domain.ports import BookingListQuery, Found
from bookings.persistence.rows import (
    BOOKING_COLUMNS,
    RowMaker,
    T,
    booking_statement,
    list_statement,
)


async def fetch_booking(
    connection: AsyncConnection[Any], booking_id: UUID, provider_id: str | None, row: RowMaker[T]
) -> T | None:
    sql, params = booking_statement(booking_id, provider_id)
    cursor = connection.cursor(row_factory=args_row(row))
    await cursor.execute(sql, params)
    return await cursor.fetchone()


async def fetch_page(
    connection: AsyncConnection[Any], query: BookingListQuery, row: RowMaker[T]
) -> Found[T]:
    sql, params = list_statement(query)
    cursor = await connection.execute(sql, params)
    rows = await cursor.fetchall()
    # An empty page is one row: the count, with every booking column NULL.
    items = [row(*values[:BOOKING_COLUMNS]) for values in rows if values[0] is not None]
    return Found(
        items=items[: query.limit], counted=rows[0][BOOKING_COLUMNS], more=len(items) > query.limit
    )
