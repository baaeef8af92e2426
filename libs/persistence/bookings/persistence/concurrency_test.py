import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bookings.domain.access import Actor
from bookings.domain.commands import CreateBooking, GetBooking, ListBookings, Period
from bookings.domain.errors import BookingConflict
from bookings.domain.handlers import Context, create_booking, get_booking, list_bookings
from bookings.domain.model import Booking
from bookings.persistence.database import AsyncDatabase
from bookings.persistence.repository import ReadOnlyWork

NOW = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
CONTEXT = Context(clock=lambda: NOW, reminder_lead=timedelta(minutes=10))
RACERS = 50


@pytest.fixture
async def database(postgres_url: str) -> AsyncIterator[AsyncDatabase]:
    db = AsyncDatabase(postgres_url, pool_size=RACERS)
    yield db
    await db.close()


async def test_concurrent_overlapping_bookings_yield_one_booking_and_conflicts(
    database: AsyncDatabase,
) -> None:
    actor = Actor(id="racing-provider")

    async def attempt(offset_minutes: int) -> Booking:
        start = NOW + timedelta(hours=1, minutes=offset_minutes)
        command = CreateBooking(actor, "Race", start, start + timedelta(hours=1))
        return await database.run(lambda uow: create_booking(command, uow, CONTEXT))

    # Every slot overlaps every other one (all start within 49 minutes and last an hour).
    outcomes = await asyncio.gather(
        *(attempt(offset) for offset in range(RACERS)), return_exceptions=True
    )

    winners = [o for o in outcomes if isinstance(o, Booking)]
    conflicts = [o for o in outcomes if isinstance(o, BookingConflict)]
    assert len(winners) == 1
    assert len(conflicts) == RACERS - 1
    # An insert that meets an in-flight overlapping one waits for it to commit or roll back, so
    # every loser collided with the one committed winner, and is told its id.
    assert {c.conflicting_booking_id for c in conflicts} == {winners[0].id}


async def test_read_only_work_reads_committed_bookings_and_refuses_writes(
    database: AsyncDatabase,
) -> None:
    actor = Actor(id="read-only-provider")
    start = NOW + timedelta(days=3)
    command = CreateBooking(actor, "Seen", start, start + timedelta(hours=1))
    created = await database.run(lambda uow: create_booking(command, uow, CONTEXT))

    seen = await database.run(
        lambda uow: get_booking(GetBooking(actor, created.id), uow), read_only=True
    )
    assert seen.title == "Seen"

    later = CreateBooking(actor, "Never", start + timedelta(hours=2), start + timedelta(hours=3))
    with pytest.raises(ReadOnlyWork):
        await database.run(lambda uow: create_booking(later, uow, CONTEXT), read_only=True)
    listed = await database.run(
        lambda uow: list_bookings(ListBookings(actor, Period.UPCOMING), uow, CONTEXT),
        read_only=True,
    )
    assert [b.title for b in listed.items] == ["Seen"]
