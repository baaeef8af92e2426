from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from bookings.domain.errors import (
    BookingNotScheduled,
    EndNotAfterStart,
    InvalidBooking,
    NaiveDatetime,
    StartInPast,
    TitleBlank,
    TitleTooLong,
)
from bookings.domain.events import (
    BookingCancelled,
    BookingCreated,
    BookingRescheduled,
    ReminderSent,
)
from bookings.domain.model import Booking
from bookings.domain.status import BookingStatus

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
START = NOW + timedelta(days=1)
END = START + timedelta(hours=1)
LEAD = timedelta(minutes=10)
LATER = NOW + timedelta(minutes=1)
BOOKING_ID = UUID("00000000-0000-4000-8000-000000000001")


def new_booking(
    *,
    title: str = "Haircut",
    start: datetime = START,
    end: datetime = END,
    now: datetime = NOW,
    lead: timedelta = LEAD,
) -> Booking:
    return Booking.create(
        provider_id="p-1",
        title=title,
        start_time=start,
        end_time=end,
        now=now,
        reminder_lead=lead,
        booking_id=BOOKING_ID,
    )


def settled_booking() -> Booking:
    """A created booking whose creation event was already handed over."""
    booking = new_booking()
    booking.pull_events()
    return booking


# --- create --------------------------------------------------------------------------------


def test_create_makes_a_scheduled_first_version() -> None:
    booking = new_booking(title="  Haircut  ")
    assert booking.id == BOOKING_ID
    assert booking.provider_id == "p-1"
    assert booking.title == "Haircut"
    assert (booking.start_time, booking.end_time) == (START, END)
    assert booking.status is BookingStatus.SCHEDULED
    assert booking.is_scheduled
    assert booking.version == 1
    assert booking.reminder_due_at == START - LEAD
    assert booking.reminded_at is None
    assert booking.created_at == booking.updated_at == NOW


def test_create_without_an_id_generates_a_fresh_one() -> None:
    def create() -> Booking:
        return Booking.create(
            provider_id="p-1",
            title="t",
            start_time=START,
            end_time=END,
            now=NOW,
            reminder_lead=LEAD,
        )

    assert create().id != create().id


def test_create_records_booking_created_with_a_snapshot() -> None:
    booking = new_booking()
    [event] = booking.events
    assert isinstance(event, BookingCreated)
    assert event.occurred_at == NOW
    assert event.booking == booking.snapshot()
    assert event.booking.booking_id == BOOKING_ID
    assert event.booking.status is BookingStatus.SCHEDULED
    assert event.booking.version == 1
    assert event.booking.reminder_due_at == START - LEAD


def test_create_with_a_reminder_already_past_makes_it_due_now() -> None:
    booking = new_booking(start=NOW + timedelta(minutes=5), end=NOW + timedelta(hours=1))
    assert booking.reminder_due_at == NOW


def test_create_reports_every_broken_rule_at_once() -> None:
    with pytest.raises(InvalidBooking) as caught:
        new_booking(title=" ", start=NOW, end=NOW)
    assert [type(v) for v in caught.value.violations] == [TitleBlank, EndNotAfterStart, StartInPast]
    assert [v.field for v in caught.value.violations] == ["title", "end_time", "start_time"]


def test_create_rejects_naive_times_naming_the_field() -> None:
    with pytest.raises(InvalidBooking) as caught:
        new_booking(end=END.replace(tzinfo=None))
    [violation] = caught.value.violations
    assert isinstance(violation, NaiveDatetime)
    assert violation.field == "end_time"


def test_reminder_is_due_lead_before_a_start_across_dst() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2030, 3, 31, 3, 5, tzinfo=berlin)  # 01:05Z
    booking = new_booking(start=start, end=start + timedelta(hours=1))
    assert booking.reminder_due_at == datetime(2030, 3, 31, 0, 55, tzinfo=UTC)


# --- cancel --------------------------------------------------------------------------------


def test_cancel_cancels_bumps_the_version_and_records_an_event() -> None:
    booking = settled_booking()
    booking.cancel(now=LATER)
    assert booking.status is BookingStatus.CANCELLED
    assert not booking.is_scheduled
    assert booking.version == 2
    assert booking.updated_at == LATER
    [event] = booking.pull_events()
    assert isinstance(event, BookingCancelled)
    assert event.occurred_at == LATER
    assert event.booking.status is BookingStatus.CANCELLED
    assert event.booking.version == 2


def test_cancel_twice_is_refused() -> None:
    booking = settled_booking()
    booking.cancel(now=LATER)
    booking.pull_events()
    with pytest.raises(BookingNotScheduled) as caught:
        booking.cancel(now=LATER)
    assert caught.value.booking_id == BOOKING_ID
    assert booking.version == 2
    assert booking.events == []


# --- change --------------------------------------------------------------------------------


def test_change_of_times_moves_the_booking_and_its_reminder() -> None:
    booking = settled_booking()
    new_start, new_end = START + timedelta(days=1), END + timedelta(days=1)
    assert booking.change(now=LATER, reminder_lead=LEAD, start_time=new_start, end_time=new_end)
    assert (booking.start_time, booking.end_time) == (new_start, new_end)
    assert booking.reminder_due_at == new_start - LEAD
    assert booking.version == 2
    assert booking.updated_at == LATER
    [event] = booking.pull_events()
    assert isinstance(event, BookingRescheduled)
    assert event.booking.start_time == new_start
    assert event.booking.reminder_due_at == new_start - LEAD
    assert event.booking.version == 2


def test_change_of_only_the_end_keeps_the_start() -> None:
    booking = settled_booking()
    assert booking.change(now=LATER, reminder_lead=LEAD, end_time=END + timedelta(hours=1))
    assert (booking.start_time, booking.end_time) == (START, END + timedelta(hours=1))


def test_change_uses_the_current_reminder_lead() -> None:
    booking = settled_booking()
    new_start = START + timedelta(minutes=30)
    booking.change(now=LATER, reminder_lead=timedelta(hours=1), start_time=new_start)
    assert booking.reminder_due_at == new_start - timedelta(hours=1)


def test_change_of_title_only_renames_and_bumps_the_version() -> None:
    booking = settled_booking()
    assert booking.change(now=LATER, reminder_lead=LEAD, title="  Beard trim ")
    assert booking.title == "Beard trim"
    assert (booking.start_time, booking.end_time) == (START, END)
    assert booking.reminder_due_at == START - LEAD
    assert booking.version == 2
    [event] = booking.pull_events()
    assert isinstance(event, BookingRescheduled)
    assert event.booking.title == "Beard trim"


@pytest.mark.parametrize(
    ("title", "start", "end"),
    [
        (None, None, None),
        ("Haircut", None, None),
        ("  Haircut ", None, None),
        (None, START, END),
        ("Haircut", START.astimezone(ZoneInfo("Asia/Tokyo")), None),  # the same instant
    ],
)
def test_change_with_nothing_new_is_a_no_op(
    title: str | None, start: datetime | None, end: datetime | None
) -> None:
    booking = settled_booking()
    assert not booking.change(
        now=LATER, reminder_lead=LEAD, title=title, start_time=start, end_time=end
    )
    assert booking.version == 1
    assert booking.updated_at == NOW
    assert booking.events == []


def test_change_checks_the_new_slot() -> None:
    booking = settled_booking()
    with pytest.raises(InvalidBooking) as caught:
        booking.change(now=LATER, reminder_lead=LEAD, end_time=START)
    assert [type(v) for v in caught.value.violations] == [EndNotAfterStart]
    assert (booking.end_time, booking.version, booking.events) == (END, 1, [])


def test_change_refuses_to_move_a_booking_into_the_past() -> None:
    booking = settled_booking()
    with pytest.raises(InvalidBooking) as caught:
        booking.change(
            now=LATER, reminder_lead=LEAD, start_time=NOW, end_time=NOW + timedelta(hours=1)
        )
    assert [v.field for v in caught.value.violations] == ["start_time"]


def test_change_checks_the_new_title() -> None:
    booking = settled_booking()
    with pytest.raises(InvalidBooking) as caught:
        booking.change(now=LATER, reminder_lead=LEAD, title="x" * 201)
    assert [type(v) for v in caught.value.violations] == [TitleTooLong]
    assert booking.title == "Haircut"


def test_change_reports_title_and_time_violations_together() -> None:
    booking = settled_booking()
    with pytest.raises(InvalidBooking) as caught:
        booking.change(now=LATER, reminder_lead=LEAD, title="  ", end_time=START)
    assert [v.field for v in caught.value.violations] == ["title", "end_time"]
    assert (booking.title, booking.end_time, booking.version) == ("Haircut", END, 1)


def test_change_of_a_cancelled_booking_is_refused() -> None:
    booking = settled_booking()
    booking.cancel(now=LATER)
    with pytest.raises(BookingNotScheduled):
        booking.change(now=LATER, reminder_lead=LEAD, title="New")


def test_even_a_no_op_change_of_a_cancelled_booking_is_refused() -> None:
    booking = settled_booking()
    booking.cancel(now=LATER)
    with pytest.raises(BookingNotScheduled):
        booking.change(now=LATER, reminder_lead=LEAD)


def test_reschedule_resets_reminded_at() -> None:
    booking = settled_booking()
    booking.mark_reminded(now=LATER)
    booking.change(now=LATER, reminder_lead=LEAD, start_time=START + timedelta(minutes=30))
    assert booking.reminded_at is None


def test_title_only_change_keeps_reminded_at() -> None:
    booking = settled_booking()
    booking.mark_reminded(now=LATER)
    booking.change(now=LATER, reminder_lead=LEAD, title="New title")
    assert booking.reminded_at == LATER


# --- reminder ------------------------------------------------------------------------------


def test_mark_reminded_records_the_time_and_keeps_the_version() -> None:
    booking = settled_booking()
    booking.mark_reminded(now=LATER)
    assert booking.reminded_at == LATER
    assert booking.updated_at == LATER
    assert booking.version == 1
    [event] = booking.pull_events()
    assert isinstance(event, ReminderSent)
    assert event.booking.version == 1


def test_reminder_is_owed_for_the_current_version_until_sent() -> None:
    booking = settled_booking()
    assert booking.reminder_is_owed(1, now=LATER)
    assert not booking.reminder_is_owed(2, now=LATER)
    booking.mark_reminded(now=LATER)
    assert not booking.reminder_is_owed(1, now=LATER)


def test_reminder_is_not_owed_after_cancel() -> None:
    booking = settled_booking()
    booking.cancel(now=LATER)
    due = booking.reminder_due_at
    assert not booking.reminder_is_owed(1, now=due)
    assert not booking.reminder_is_owed(booking.version, now=due)


def test_reminder_is_owed_only_for_the_new_version_after_a_change() -> None:
    booking = settled_booking()
    booking.change(now=LATER, reminder_lead=LEAD, start_time=START + timedelta(minutes=30))
    assert not booking.reminder_is_owed(1, now=LATER)
    assert booking.reminder_is_owed(2, now=LATER)


def test_an_earlier_versions_job_sends_once_the_current_reminder_is_due() -> None:
    booking = settled_booking()
    booking.change(now=LATER, reminder_lead=LEAD, start_time=START + timedelta(minutes=30))
    due = booking.reminder_due_at
    assert not booking.reminder_is_owed(1, now=due - timedelta(microseconds=1))
    assert booking.reminder_is_owed(1, now=due)


def test_reminder_already_sent_is_not_owed_again_after_a_rename() -> None:
    booking = settled_booking()
    booking.mark_reminded(now=LATER)
    booking.change(now=LATER, reminder_lead=LEAD, title="New title")
    assert not booking.reminder_is_owed(booking.version, now=booking.reminder_due_at)


# --- events --------------------------------------------------------------------------------


def test_events_are_recorded_in_order_and_pull_empties_them() -> None:
    booking = new_booking()
    booking.change(now=LATER, reminder_lead=LEAD, title="Renamed")
    booking.mark_reminded(now=LATER)
    booking.cancel(now=LATER)
    events = booking.pull_events()
    assert [type(e) for e in events] == [
        BookingCreated,
        BookingRescheduled,
        ReminderSent,
        BookingCancelled,
    ]
    assert [e.booking.version for e in events] == [1, 2, 2, 3]
    assert len({e.event_id for e in events}) == 4
    assert booking.events == []
    assert booking.pull_events() == []


def test_snapshots_do_not_change_with_the_booking() -> None:
    booking = new_booking()
    [created] = booking.pull_events()
    booking.change(now=LATER, reminder_lead=LEAD, title="Renamed")
    assert created.booking.title == "Haircut"
    assert created.booking.version == 1
