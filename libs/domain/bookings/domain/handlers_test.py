"""Service tests: the handlers over the in-memory fakes at the ports (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from bookings.domain import handlers
from bookings.domain.access import Actor
from bookings.domain.commands import CancelBooking, ChangeBooking, CreateBooking, SendReminder
from bookings.domain.decisions import Context
from bookings.domain.errors import (
    BookingConflict,
    BookingNotFound,
    BookingNotScheduled,
    Forbidden,
    InvalidBooking,
    StaleBooking,
)
from bookings.domain.events import (
    BookingCancelled,
    BookingCreated,
    BookingRescheduled,
    ReminderSent,
)
from bookings.domain.fakes import FakeClock, FakeUnitOfWork
from bookings.domain.model import Booking
from bookings.domain.status import BookingStatus

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
START = NOW + timedelta(days=1)
END = START + timedelta(hours=1)
LEAD = timedelta(minutes=10)
PROVIDER = Actor(id="p-1")
OTHER_PROVIDER = Actor(id="p-2")
ADMIN = Actor(id="admin-1", is_admin=True)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def context(clock: FakeClock) -> Context:
    return Context(clock=clock, reminder_lead=LEAD)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


def create(
    uow: FakeUnitOfWork,
    context: Context,
    *,
    actor: Actor = PROVIDER,
    start: datetime = START,
    end: datetime = END,
    provider_id: str | None = None,
) -> Booking:
    command = CreateBooking(
        actor=actor, title="Haircut", start_time=start, end_time=end, provider_id=provider_id
    )
    return handlers.create_booking(command, uow, context)


def event_types(uow: FakeUnitOfWork) -> list[type]:
    return [type(event) for event in uow.committed_events]


# --- create --------------------------------------------------------------------------------


def test_create_stores_the_booking_and_commits_its_event(
    uow: FakeUnitOfWork, context: Context
) -> None:
    booking = create(uow, context)
    stored = uow.rows[booking.id]
    assert (stored.provider_id, stored.title, stored.version) == ("p-1", "Haircut", 1)
    assert stored.reminder_due_at == START - LEAD
    assert uow.commits == 1
    [event] = uow.committed_events
    assert isinstance(event, BookingCreated)
    assert event.booking.booking_id == booking.id
    assert booking.events == []


def test_create_takes_the_time_from_the_clock(
    uow: FakeUnitOfWork, context: Context, clock: FakeClock
) -> None:
    clock.advance(timedelta(days=1))
    with pytest.raises(InvalidBooking):
        create(uow, context, start=START, end=END)  # START is now clock's "now"
    assert uow.rows == {}


def test_create_rejects_an_invalid_booking_without_storing_anything(
    uow: FakeUnitOfWork, context: Context
) -> None:
    with pytest.raises(InvalidBooking) as caught:
        create(uow, context, start=END, end=START)
    assert [v.field for v in caught.value.violations] == ["end_time"]
    assert (uow.rows, uow.committed_events, uow.commits) == ({}, [], 0)


def test_a_provider_may_not_create_for_another_provider(
    uow: FakeUnitOfWork, context: Context
) -> None:
    with pytest.raises(Forbidden):
        create(uow, context, provider_id="p-2")
    assert uow.rows == {}


def test_an_admin_may_create_for_any_provider(uow: FakeUnitOfWork, context: Context) -> None:
    booking = create(uow, context, actor=ADMIN, provider_id="p-2")
    assert uow.rows[booking.id].provider_id == "p-2"


def test_create_overlapping_the_same_providers_booking_conflicts(
    uow: FakeUnitOfWork, context: Context
) -> None:
    first = create(uow, context)
    with pytest.raises(BookingConflict) as caught:
        create(uow, context, start=START + timedelta(minutes=30), end=END + timedelta(minutes=30))
    assert caught.value.conflicting_booking_id == first.id
    assert list(uow.rows) == [first.id]
    assert event_types(uow) == [BookingCreated]


def test_back_to_back_bookings_do_not_conflict(uow: FakeUnitOfWork, context: Context) -> None:
    create(uow, context)
    create(uow, context, start=END, end=END + timedelta(hours=1))
    create(uow, context, start=START - timedelta(hours=1), end=START)
    assert len(uow.rows) == 3


def test_other_providers_may_book_the_same_slot(uow: FakeUnitOfWork, context: Context) -> None:
    create(uow, context)
    create(uow, context, actor=OTHER_PROVIDER)
    assert len(uow.rows) == 2


def test_a_cancelled_booking_frees_its_slot(uow: FakeUnitOfWork, context: Context) -> None:
    first = create(uow, context)
    handlers.cancel_booking(CancelBooking(actor=PROVIDER, booking_id=first.id), uow, context)
    second = create(uow, context)
    assert uow.rows[second.id].is_scheduled


# --- cancel --------------------------------------------------------------------------------


def test_cancel_stores_the_cancellation_and_commits_its_event(
    uow: FakeUnitOfWork, context: Context, clock: FakeClock
) -> None:
    booking = create(uow, context)
    clock.advance(timedelta(minutes=1))
    cancelled = handlers.cancel_booking(
        CancelBooking(actor=PROVIDER, booking_id=booking.id), uow, context
    )
    assert cancelled.status is BookingStatus.CANCELLED
    stored = uow.rows[booking.id]
    assert (stored.status, stored.version, stored.updated_at) == (
        BookingStatus.CANCELLED,
        2,
        clock.now,
    )
    assert event_types(uow) == [BookingCreated, BookingCancelled]


def test_an_admin_may_cancel_any_booking(uow: FakeUnitOfWork, context: Context) -> None:
    booking = create(uow, context)
    handlers.cancel_booking(CancelBooking(actor=ADMIN, booking_id=booking.id), uow, context)
    assert uow.rows[booking.id].status is BookingStatus.CANCELLED


def test_another_provider_cannot_cancel_and_gets_not_found(
    uow: FakeUnitOfWork, context: Context
) -> None:
    booking = create(uow, context)
    with pytest.raises(BookingNotFound):
        handlers.cancel_booking(
            CancelBooking(actor=OTHER_PROVIDER, booking_id=booking.id), uow, context
        )
    assert uow.rows[booking.id].is_scheduled
    assert event_types(uow) == [BookingCreated]


def test_cancel_twice_is_refused(uow: FakeUnitOfWork, context: Context) -> None:
    booking = create(uow, context)
    command = CancelBooking(actor=PROVIDER, booking_id=booking.id)
    handlers.cancel_booking(command, uow, context)
    with pytest.raises(BookingNotScheduled):
        handlers.cancel_booking(command, uow, context)
    assert uow.rows[booking.id].version == 2
    assert event_types(uow) == [BookingCreated, BookingCancelled]


def test_cancel_of_an_unknown_booking_is_not_found(uow: FakeUnitOfWork, context: Context) -> None:
    with pytest.raises(BookingNotFound):
        handlers.cancel_booking(CancelBooking(actor=ADMIN, booking_id=uuid4()), uow, context)


# --- change --------------------------------------------------------------------------------


def test_change_moves_the_booking_and_its_reminder(uow: FakeUnitOfWork, context: Context) -> None:
    booking = create(uow, context)
    new_start, new_end = START + timedelta(hours=2), END + timedelta(hours=2)
    handlers.change_booking(
        ChangeBooking(
            actor=PROVIDER, booking_id=booking.id, start_time=new_start, end_time=new_end
        ),
        uow,
        context,
    )
    stored = uow.rows[booking.id]
    assert (stored.start_time, stored.end_time, stored.version) == (new_start, new_end, 2)
    assert stored.reminder_due_at == new_start - LEAD
    assert event_types(uow) == [BookingCreated, BookingRescheduled]
    assert uow.committed_events[-1].booking.start_time == new_start


def test_another_provider_cannot_change_and_gets_not_found(
    uow: FakeUnitOfWork, context: Context
) -> None:
    booking = create(uow, context)
    with pytest.raises(BookingNotFound):
        handlers.change_booking(
            ChangeBooking(actor=OTHER_PROVIDER, booking_id=booking.id, title="Mine now"),
            uow,
            context,
        )
    assert uow.rows[booking.id].title == "Haircut"


def test_change_with_nothing_new_commits_nothing(uow: FakeUnitOfWork, context: Context) -> None:
    booking = create(uow, context)
    commits = uow.commits
    unchanged = handlers.change_booking(
        ChangeBooking(actor=PROVIDER, booking_id=booking.id, title=" Haircut ", start_time=START),
        uow,
        context,
    )
    assert unchanged.version == 1
    assert uow.commits == commits
    assert event_types(uow) == [BookingCreated]


def test_change_of_a_cancelled_booking_is_refused(uow: FakeUnitOfWork, context: Context) -> None:
    booking = create(uow, context)
    handlers.cancel_booking(CancelBooking(actor=PROVIDER, booking_id=booking.id), uow, context)
    with pytest.raises(BookingNotScheduled):
        handlers.change_booking(
            ChangeBooking(actor=PROVIDER, booking_id=booking.id, title="New"), uow, context
        )


def test_change_into_another_booking_conflicts_and_stores_nothing(
    uow: FakeUnitOfWork, context: Context
) -> None:
    first = create(uow, context)
    second = create(uow, context, start=END, end=END + timedelta(hours=1))
    with pytest.raises(BookingConflict) as caught:
        handlers.change_booking(
            ChangeBooking(
                actor=PROVIDER, booking_id=second.id, start_time=END - timedelta(minutes=1)
            ),
            uow,
            context,
        )
    assert caught.value.conflicting_booking_id == first.id
    stored = uow.rows[second.id]
    assert (stored.start_time, stored.version) == (END, 1)
    assert event_types(uow) == [BookingCreated, BookingCreated]


def test_an_invalid_change_stores_nothing(uow: FakeUnitOfWork, context: Context) -> None:
    booking = create(uow, context)
    with pytest.raises(InvalidBooking):
        handlers.change_booking(
            ChangeBooking(actor=PROVIDER, booking_id=booking.id, title="", end_time=START),
            uow,
            context,
        )
    assert uow.rows[booking.id].version == 1


def test_a_concurrent_change_makes_the_slower_writer_stale(context: Context) -> None:
    """Two units of work over the same store: the second save of version 1 -> 2 loses."""
    first_uow = FakeUnitOfWork()
    booking = create(first_uow, context)
    second_uow = FakeUnitOfWork(rows=first_uow.rows)
    with first_uow:
        slow = first_uow.bookings.get(booking.id)
        assert slow is not None
        handlers.change_booking(
            ChangeBooking(actor=PROVIDER, booking_id=booking.id, title="Fast"), second_uow, context
        )
        slow.change(now=NOW, reminder_lead=LEAD, title="Slow")
        with pytest.raises(StaleBooking):
            first_uow.bookings.save(slow)
    assert first_uow.rows[booking.id].title == "Fast"


# --- reminders -----------------------------------------------------------------------------


def move_earlier(booking: Booking, uow: FakeUnitOfWork, context: Context) -> None:
    command = ChangeBooking(
        actor=PROVIDER, booking_id=booking.id, start_time=START - timedelta(hours=1)
    )
    handlers.change_booking(command, uow, context)


def remind(booking: Booking, version: int, uow: FakeUnitOfWork, context: Context) -> bool:
    reminded = handlers.send_reminder(
        SendReminder(booking_id=booking.id, version=version), uow, context
    )
    return reminded is not None


def test_a_sent_reminder_returns_the_booking_as_marked(
    uow: FakeUnitOfWork, context: Context, clock: FakeClock
) -> None:
    booking = create(uow, context)
    clock.advance(timedelta(hours=1))
    reminded = handlers.send_reminder(SendReminder(booking_id=booking.id, version=1), uow, context)
    assert reminded is not None
    assert (reminded.id, reminded.version, reminded.reminded_at) == (booking.id, 1, clock.now)
    assert reminded.reminder_due_at == booking.reminder_due_at


def test_a_reminder_is_sent_once_per_version(
    uow: FakeUnitOfWork, context: Context, clock: FakeClock
) -> None:
    booking = create(uow, context)
    clock.advance(timedelta(hours=1))
    assert remind(booking, 1, uow, context)
    assert not remind(booking, 1, uow, context)
    assert uow.rows[booking.id].reminded_at == clock.now
    assert uow.rows[booking.id].version == 1
    assert event_types(uow) == [BookingCreated, ReminderSent]


def test_a_reminder_for_an_old_version_is_not_sent_after_a_change(
    uow: FakeUnitOfWork, context: Context
) -> None:
    booking = create(uow, context)
    move_earlier(booking, uow, context)
    assert not remind(booking, 1, uow, context)
    assert remind(booking, 2, uow, context)
    assert event_types(uow) == [BookingCreated, BookingRescheduled, ReminderSent]


def test_an_old_versions_job_sends_the_due_reminder_of_the_new_version_once(
    uow: FakeUnitOfWork, context: Context, clock: FakeClock
) -> None:
    # The job queue may run the new schedule with the old version's arguments (see the model).
    booking = create(uow, context)
    move_earlier(booking, uow, context)
    clock.now = uow.rows[booking.id].reminder_due_at
    assert remind(booking, 1, uow, context)
    assert not remind(booking, 2, uow, context)
    assert uow.rows[booking.id].version == 2
    assert event_types(uow) == [BookingCreated, BookingRescheduled, ReminderSent]


def test_a_rescheduled_booking_is_reminded_again(uow: FakeUnitOfWork, context: Context) -> None:
    booking = create(uow, context)
    assert remind(booking, 1, uow, context)
    move_earlier(booking, uow, context)
    assert remind(booking, 2, uow, context)


def test_a_renamed_booking_already_reminded_is_not_reminded_again(
    uow: FakeUnitOfWork, context: Context
) -> None:
    booking = create(uow, context)
    assert remind(booking, 1, uow, context)
    handlers.change_booking(
        ChangeBooking(actor=PROVIDER, booking_id=booking.id, title="Renamed"), uow, context
    )
    assert not remind(booking, 2, uow, context)


def test_no_reminder_after_cancel(uow: FakeUnitOfWork, context: Context) -> None:
    booking = create(uow, context)
    handlers.cancel_booking(CancelBooking(actor=PROVIDER, booking_id=booking.id), uow, context)
    for version in (1, 2):
        assert not handlers.send_reminder(
            SendReminder(booking_id=booking.id, version=version), uow, context
        )
    assert ReminderSent not in event_types(uow)


def test_no_reminder_for_an_unknown_booking(uow: FakeUnitOfWork, context: Context) -> None:
    assert not handlers.send_reminder(SendReminder(booking_id=uuid4(), version=1), uow, context)
    assert uow.commits == 0
