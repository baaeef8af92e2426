"""The API's writes on psycopg's async connections, inside a transaction the caller holds.

The same statements as the synchronous repository (see `statements`); each change writes the
outbox rows of the events its booking recorded, in the caller's transaction. Violations of the
booking rules surface as driver errors when the transaction syncs: `conflicts` maps them.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg import AsyncConnection

from bookings.domain.errors import StaleBooking
from bookings.domain.model import Booking
from bookings.persistence import statements
from bookings.persistence.rows import booking_from_row, booking_values, outbox_values, save_values


async def add_booking(connection: AsyncConnection[Any], booking: Booking) -> None:
    await connection.execute(statements.ADD_BOOKING, booking_values(booking))
    await _add_events(connection, booking)


async def lock_booking(
    connection: AsyncConnection[Any], booking_id: UUID, provider_id: str | None
) -> Booking | None:
    """Loads and locks a booking until the transaction ends; `provider_id` narrows as in reads."""
    params: dict[str, Any] = {"booking_id": booking_id}
    if provider_id is not None:
        params["provider_id"] = provider_id
    cursor = await connection.execute(
        statements.BOOKING_FOR_UPDATE[provider_id is not None], params
    )
    row = await cursor.fetchone()
    return None if row is None else booking_from_row(row)


async def save_booking(
    connection: AsyncConnection[Any], booking: Booking, loaded_version: int
) -> None:
    """Writes back a loaded booking; StaleBooking if it changed since it was loaded."""
    # A (nested) pipeline sends both statements at once and syncs on exit, so that the UPDATE's
    # row count is known before the caller commits.
    async with connection.pipeline():
        cursor = await connection.execute(
            statements.SAVE_BOOKING, save_values(booking, loaded_version)
        )
        await _add_events(connection, booking)
    if cursor.rowcount != 1:
        raise StaleBooking(booking.id)


async def _add_events(connection: AsyncConnection[Any], booking: Booking) -> None:
    for event in booking.pull_events():
        await connection.execute(statements.ADD_OUTBOX_ROW, outbox_values(event))
