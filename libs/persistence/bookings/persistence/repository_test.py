from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa

from bookings.domain.access import Actor
from bookings.domain.commands import CancelBooking, ChangeBooking, CreateBooking, SendReminder
from bookings.domain.decisions import Context
from bookings.domain.errors import BookingConflict, StaleBooking
from bookings.domain.handlers import cancel_booking, change_booking, create_booking, send_reminder
from bookings.domain.model import Booking
from bookings.domain.status import BookingStatus
from bookings.persistence.database import Database
from bookings.persistence.tables import outbox
from bookings.persistence.uow import SqlUnitOfWork

NOW = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
CONTEXT = Context(clock=lambda: NOW, reminder_lead=timedelta(minutes=10))


@pytest.fixture(scope="module")
def database(postgres_url: str) -> Iterator[Database]:
    db = Database(postgres_url)
    yield db
    db.close()


@pytest.fixture
def provider() -> Actor:
    return Actor(id=f"provider-{uuid4()}")


def at(hours: float) -> datetime:
    return NOW + timedelta(hours=hours)


def book(
    database: Database, actor: Actor, start: float, end: float, title: str = "Call"
) -> Booking:
    command = CreateBooking(actor=actor, title=title, start_time=at(start), end_time=at(end))
    return database.run(lambda uow: create_booking(command, uow, CONTEXT))


def load(database: Database, booking_id: UUID) -> Booking:
    """The stored booking, as a unit of work loads it."""

    def read(uow: SqlUnitOfWork) -> Booking | None:
        with uow:
            return uow.bookings.get(booking_id)

    loaded = database.run(read)
    assert loaded is not None
    return loaded


def outbox_types(database: Database, booking: Booking) -> list[str]:
    statement = (
        sa.select(outbox.c.event_type)
        .where(outbox.c.booking_id == booking.id)
        .order_by(outbox.c.id)
    )
    with database.engine.connect() as connection:
        return list(connection.execute(statement).scalars())


def test_created_booking_reads_back_equal(database: Database, provider: Actor) -> None:
    created = book(database, provider, 1, 2, title="  Haircut  ")
    loaded = load(database, created.id)
    assert loaded.title == "Haircut"
    assert (loaded.start_time, loaded.end_time) == (at(1), at(2))
    assert loaded.start_time.tzinfo == UTC
    assert loaded.status is BookingStatus.SCHEDULED
    assert loaded.version == 1
    assert loaded.reminder_due_at == at(1) - timedelta(minutes=10)


def test_overlap_is_rejected_naming_the_booking_collided_with(
    database: Database, provider: Actor
) -> None:
    first = book(database, provider, 1, 2)
    with pytest.raises(BookingConflict) as conflict:
        book(database, provider, 1.5, 2.5)
    assert conflict.value.conflicting_booking_id == first.id


def test_back_to_back_other_providers_and_cancelled_slots_do_not_collide(
    database: Database, provider: Actor
) -> None:
    first = book(database, provider, 1, 2)
    book(database, provider, 2, 3)
    book(database, Actor(id=f"other-{uuid4()}"), 1, 2)
    database.run(lambda uow: cancel_booking(CancelBooking(provider, first.id), uow, CONTEXT))
    again = book(database, provider, 1, 2)
    assert again.id != first.id


def test_rescheduling_onto_another_booking_conflicts(database: Database, provider: Actor) -> None:
    first = book(database, provider, 1, 2)
    second = book(database, provider, 3, 4)
    command = ChangeBooking(provider, second.id, start_time=at(1.5), end_time=at(2.5))
    with pytest.raises(BookingConflict) as conflict:
        database.run(lambda uow: change_booking(command, uow, CONTEXT))
    assert conflict.value.conflicting_booking_id == first.id
    unchanged = load(database, second.id)
    assert unchanged.start_time == at(3)


def test_database_refuses_an_end_before_the_start_even_without_the_domain(
    database: Database,
) -> None:
    with database.engine.connect() as connection, pytest.raises(sa.exc.IntegrityError):
        connection.execute(
            sa.text(
                "INSERT INTO bookings (id, provider_id, title, start_time, end_time, status,"
                " version, reminder_due_at, created_at, updated_at) VALUES (gen_random_uuid(),"
                " 'p', 't', :start, :end, 'scheduled', 1, :start, :start, :start)"
            ),
            {"start": at(2), "end": at(1)},
        )


def test_a_stale_version_cannot_overwrite_a_newer_one(database: Database, provider: Actor) -> None:
    created = book(database, provider, 1, 2)
    with (
        database.engine.connect() as one,
        database.engine.connect() as two,
        SqlUnitOfWork(one) as first_writer,
        SqlUnitOfWork(two) as second_writer,
    ):
        stale = first_writer.bookings.get(created.id)
        fresh = second_writer.bookings.get(created.id)
        assert stale is not None
        assert fresh is not None
        fresh.change(now=NOW, reminder_lead=timedelta(0), title="Newer")
        second_writer.bookings.save(fresh)
        second_writer.commit()
        stale.change(now=NOW, reminder_lead=timedelta(0), title="Older")
        with pytest.raises(StaleBooking):
            first_writer.bookings.save(stale)
    current = load(database, created.id)
    assert current.title == "Newer"


def test_every_state_change_writes_exactly_one_outbox_event(
    database: Database, provider: Actor
) -> None:
    booking = book(database, provider, 1, 2)
    move = ChangeBooking(provider, booking.id, start_time=at(5), end_time=at(6))
    moved = database.run(lambda uow: change_booking(move, uow, CONTEXT))
    reminded = SendReminder(booking.id, moved.version)
    assert database.run(lambda uow: send_reminder(reminded, uow, CONTEXT)) is not None
    database.run(lambda uow: cancel_booking(CancelBooking(provider, booking.id), uow, CONTEXT))
    assert outbox_types(database, booking) == [
        "booking.created",
        "booking.rescheduled",
        "booking.reminder",
        "booking.cancelled",
    ]


def test_a_rolled_back_change_leaves_neither_booking_nor_event(
    database: Database, provider: Actor
) -> None:
    booking = Booking.create(
        provider_id=provider.id,
        title="Never",
        start_time=at(1),
        end_time=at(2),
        now=NOW,
        reminder_lead=timedelta(0),
    )

    def add_then_fail(uow: SqlUnitOfWork) -> None:
        with uow:
            uow.bookings.add(booking)
            raise RuntimeError("crash before commit")

    with pytest.raises(RuntimeError):
        database.run(add_then_fail)
    with database.engine.connect() as connection:
        count = connection.execute(
            sa.text("SELECT count(*) FROM bookings WHERE id = :id"), {"id": booking.id}
        )
        assert count.scalar_one() == 0
    assert outbox_types(database, booking) == []
