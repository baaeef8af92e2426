from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from bookings.domain.access import Actor
from bookings.domain.commands import CancelBooking, CreateBooking, SendReminder
from bookings.domain.decisions import Context
from bookings.domain.handlers import cancel_booking, create_booking, send_reminder
from bookings.domain.model import Booking
from bookings.persistence.database import Database
from bookings.persistence.reminders import owed_reminders

NOW = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
LEAD = timedelta(minutes=10)
CONTEXT = Context(clock=lambda: NOW, reminder_lead=LEAD)


@pytest.fixture(scope="module")
def database(postgres_url: str) -> Iterator[Database]:
    db = Database(postgres_url)
    yield db
    db.close()


def book(database: Database, actor: Actor, minutes_ahead: int) -> Booking:
    start = NOW + timedelta(minutes=minutes_ahead)
    command = CreateBooking(actor, "Call", start, start + timedelta(minutes=5))
    return database.run(lambda uow: create_booking(command, uow, CONTEXT))


def test_owed_reminders_are_the_scheduled_unsent_ones_due_before_the_horizon(
    database: Database,
) -> None:
    actor = Actor(id=f"provider-{uuid4()}")
    soon = book(database, actor, 20)  # due in 10 min
    now_due = book(database, actor, 5)  # inside the lead: due at once
    later = book(database, actor, 120)  # due in 110 min: beyond the horizon
    cancelled = book(database, actor, 30)
    database.run(lambda uow: cancel_booking(CancelBooking(actor, cancelled.id), uow, CONTEXT))
    sent = book(database, actor, 40)
    database.run(lambda uow: send_reminder(SendReminder(sent.id, sent.version), uow, CONTEXT))

    with database.engine.connect() as connection:
        owed = owed_reminders(connection, due_before=NOW + timedelta(minutes=60), limit=100)

    mine = [
        r for r in owed if r.booking_id in {soon.id, now_due.id, later.id, cancelled.id, sent.id}
    ]
    assert [r.booking_id for r in mine] == [now_due.id, soon.id]
    assert mine[1].version == soon.version
    assert mine[1].due_at == soon.reminder_due_at
