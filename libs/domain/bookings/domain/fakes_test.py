"""The fakes keep the contracts of the real storage, or the handler tests would prove nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from bookings.domain.errors import BookingConflict, StaleBooking
from bookings.domain.events import BookingCreated, BookingRescheduled
from bookings.domain.fakes import FakeClock, FakeUnitOfWork
from bookings.domain.model import Booking

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
START = NOW + timedelta(days=1)
LEAD = timedelta(minutes=10)


def booking(
    number: int, *, start: datetime = START, hours: int = 1, provider_id: str = "p-1"
) -> Booking:
    return Booking.create(
        provider_id=provider_id,
        title=f"Booking {number}",
        start_time=start,
        end_time=start + timedelta(hours=hours),
        now=NOW,
        reminder_lead=LEAD,
        booking_id=UUID(int=number),
    )


def test_the_clock_stands_still_until_advanced() -> None:
    clock = FakeClock(NOW)
    assert clock() == clock() == NOW
    clock.advance(timedelta(seconds=5))
    assert clock() == NOW + timedelta(seconds=5)


def test_nothing_is_stored_without_a_commit() -> None:
    uow = FakeUnitOfWork()
    with uow:
        uow.bookings.add(booking(1))
        assert uow.bookings.get(UUID(int=1)) is not None  # its own writes are visible
    assert uow.rows == {}
    assert uow.committed_events == []
    with uow:
        assert uow.bookings.get(UUID(int=1)) is None


def test_an_exception_discards_what_was_not_committed() -> None:
    uow = FakeUnitOfWork([booking(1)])

    def rename_then_fail() -> None:
        with uow:
            loaded = uow.bookings.get(UUID(int=1))
            assert loaded is not None
            loaded.change(now=NOW, reminder_lead=LEAD, title="Renamed")
            uow.bookings.save(loaded)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        rename_then_fail()
    assert uow.rows[UUID(int=1)].title == "Booking 1"


def test_commit_hands_over_the_events_of_the_aggregates_it_saw_in_order() -> None:
    uow = FakeUnitOfWork([booking(1)])
    new = booking(2, start=START + timedelta(hours=2))
    with uow:
        loaded = uow.bookings.get(UUID(int=1))
        assert loaded is not None
        loaded.change(now=NOW, reminder_lead=LEAD, title="Renamed")
        uow.bookings.save(loaded)
        uow.bookings.add(new)
        uow.commit()
    assert [type(e) for e in uow.committed_events] == [BookingRescheduled, BookingCreated]
    assert [e.booking.booking_id for e in uow.committed_events] == [UUID(int=1), UUID(int=2)]
    assert new.events == []


def test_loaded_bookings_are_copies_of_the_rows() -> None:
    uow = FakeUnitOfWork([booking(1)])
    with uow:
        loaded = uow.bookings.get(UUID(int=1))
        assert loaded is not None
        loaded.title = "changed in memory only"
    assert uow.rows[UUID(int=1)].title == "Booking 1"


def test_commit_outside_a_unit_of_work_is_a_mistake() -> None:
    with pytest.raises(RuntimeError):
        FakeUnitOfWork().commit()


def test_a_unit_of_work_is_not_reentrant() -> None:
    uow = FakeUnitOfWork()
    with uow, pytest.raises(RuntimeError), uow:
        pass


def test_add_refuses_an_overlap_naming_the_conflicting_booking() -> None:
    uow = FakeUnitOfWork([booking(1)])
    with uow, pytest.raises(BookingConflict) as caught:
        uow.bookings.add(booking(2, start=START + timedelta(minutes=59)))
    assert caught.value.conflicting_booking_id == UUID(int=1)


def test_add_accepts_back_to_back_other_providers_and_cancelled_slots() -> None:
    cancelled = booking(3, start=START + timedelta(hours=2))
    cancelled.cancel(now=NOW)
    uow = FakeUnitOfWork([booking(1), cancelled])
    with uow:
        uow.bookings.add(booking(2, start=START + timedelta(hours=1)))
        uow.bookings.add(booking(4, provider_id="p-2"))
        uow.bookings.add(booking(5, start=START + timedelta(hours=2)))
        uow.commit()
    assert len(uow.rows) == 5


def test_save_refuses_a_version_that_skips_ahead() -> None:
    uow = FakeUnitOfWork([booking(1)])
    with uow:
        loaded = uow.bookings.get(UUID(int=1))
        assert loaded is not None
        loaded.version += 2
        with pytest.raises(StaleBooking):
            uow.bookings.save(loaded)


def test_save_refuses_a_row_that_changed_since_it_was_loaded() -> None:
    slow = FakeUnitOfWork([booking(1)])
    fast = FakeUnitOfWork(rows=slow.rows)
    with slow:
        stale = slow.bookings.get(UUID(int=1))
        assert stale is not None
        with fast:
            fresh = fast.bookings.get(UUID(int=1))
            assert fresh is not None
            fresh.cancel(now=NOW)
            fast.bookings.save(fresh)
            fast.commit()
        stale.change(now=NOW, reminder_lead=LEAD, title="Renamed")
        with pytest.raises(StaleBooking) as caught:
            slow.bookings.save(stale)
    assert caught.value.booking_id == UUID(int=1)


def test_save_of_the_same_version_is_allowed_for_a_reminder_mark() -> None:
    uow = FakeUnitOfWork([booking(1)])
    with uow:
        loaded = uow.bookings.get(UUID(int=1))
        assert loaded is not None
        loaded.mark_reminded(now=NOW)
        uow.bookings.save(loaded)
        uow.commit()
    assert uow.rows[UUID(int=1)].reminded_at == NOW


def test_save_refuses_a_move_onto_another_booking() -> None:
    uow = FakeUnitOfWork([booking(1), booking(2, start=START + timedelta(hours=1))])
    with uow:
        loaded = uow.bookings.get(UUID(int=2))
        assert loaded is not None
        loaded.change(now=NOW, reminder_lead=LEAD, start_time=START + timedelta(minutes=30))
        with pytest.raises(BookingConflict) as caught:
            uow.bookings.save(loaded)
    assert caught.value.conflicting_booking_id == UUID(int=1)
