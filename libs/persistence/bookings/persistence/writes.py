"""The API's writes on psycopg's async connections.

The same statements as the synchronous repository (see `statements`). Each change is one
statement that also writes its event's outbox row, so on an autocommit connection a change and
its event commit together with no explicit transaction; inside the caller's transaction they
commit with it. Changes are optimistic: a save names the version it loaded and is refused
(StaleBooking) if the booking moved on meanwhile. Overlaps surface as psycopg's
ExclusionViolation (`conflicts` maps them).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg import AsyncConnection

from bookings.domain.errors import StaleBooking
from bookings.domain.model import Booking
from bookings.persistence import statements
from bookings.persistence.rows import (
    add_values,
    booking_from_row,
    booking_statement,
    save_values,
)


async def add_booking(connection: AsyncConnection[Any], booking: Booking) -> None:
    await connection.execute(statements.ADD_BOOKING, add_values(booking))


async def load_booking(
    connection: AsyncConnection[Any], booking_id: UUID, provider_id: str | None
) -> Booking | None:
    """The booking, as the aggregate; `provider_id` narrows the lookup as in `reads`."""
    cursor = await connection.execute(*booking_statement(booking_id, provider_id))
    row = await cursor.fetchone()
    return None if row is None else booking_from_row(row)


async def save_booking(
    connection: AsyncConnection[Any], booking: Booking, loaded_version: int
) -> None:
    """Writes back a loaded booking; StaleBooking if it changed since it was loaded."""
    cursor = await connection.execute(statements.SAVE_BOOKING, save_values(booking, loaded_version))
    if await cursor.fetchone() is None:
        raise StaleBooking(booking.id)
