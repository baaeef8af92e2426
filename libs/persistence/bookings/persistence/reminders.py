"""The reconciler's query: scheduled bookings whose reminder is still owed and due soon.

It reads the partial index `ix_bookings_reminder_owed` (scheduled, not yet reminded), so its
cost follows the number of owed reminders in the window, not the size of the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import Connection, select

from bookings.persistence.tables import bookings


@dataclass(frozen=True)
class OwedReminder:
    booking_id: UUID
    version: int
    due_at: datetime


def owed_reminders(
    connection: Connection, *, due_before: datetime, limit: int
) -> list[OwedReminder]:
    """Owed reminders due before `due_before` (past ones included), soonest first."""
    statement = (
        select(bookings.c.id, bookings.c.version, bookings.c.reminder_due_at)
        .where(
            bookings.c.status == "scheduled",
            bookings.c.reminded_at.is_(None),
            bookings.c.reminder_due_at < due_before,
        )
        .order_by(bookings.c.reminder_due_at)
        .limit(limit)
    )
    return [
        OwedReminder(booking_id=row.id, version=row.version, due_at=row.reminder_due_at)
        for row in connection.execute(statement)
    ]
