"""Reminders end to end: the worker (every role, under its supervisor) against real servers."""

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis

from bookings.worker.testing_bookings import Bookings, PublishedEvents
from bookings.worker.testing_processes import SETTLE_S, WorkerProcess

# Late by far less in practice (see the benchmark); generous for a loaded test machine.
MAX_LATENESS = timedelta(seconds=1)


@pytest.fixture
def published(module_worker: WorkerProcess, module_redis_url: str) -> Iterator[PublishedEvents]:
    client = redis.Redis.from_url(module_redis_url)
    yield PublishedEvents(client)
    client.close()


def test_a_reminder_fires_once_at_start_minus_lead(
    bookings: Bookings, published: PublishedEvents
) -> None:
    booking = bookings.create(due_in=1.0)

    published.wait_for(
        lambda: published.of(booking.id, "booking.reminder"), timeout=10, what="the reminder"
    )
    time.sleep(SETTLE_S)  # would a second one follow?

    [reminder] = published.of(booking.id, "booking.reminder")
    assert reminder.data.version == booking.version
    sent_at = bookings.reminded_at(booking.id)
    assert sent_at is not None
    assert timedelta(0) <= sent_at - booking.reminder_due_at <= MAX_LATENESS
    assert len(published.of(booking.id, "booking.created")) == 1


def test_a_booking_created_inside_the_lead_is_reminded_at_once(
    bookings: Bookings, published: PublishedEvents
) -> None:
    booking = bookings.create(due_in=-1.0)  # starts in 1 s, lead is 2 s

    published.wait_for(
        lambda: published.of(booking.id, "booking.reminder"), timeout=10, what="the reminder"
    )

    sent_at = bookings.reminded_at(booking.id)
    assert sent_at is not None
    assert sent_at - booking.created_at <= MAX_LATENESS


def test_a_cancelled_booking_is_never_reminded(
    bookings: Bookings, published: PublishedEvents
) -> None:
    booking = bookings.create(due_in=1.0)
    bookings.cancel(booking)
    witness = bookings.create(due_in=2.0)  # reminded after the cancelled one was due

    published.wait_for(
        lambda: published.of(witness.id, "booking.reminder"), timeout=10, what="the witness"
    )

    assert published.of(booking.id, "booking.cancelled")
    assert published.of(booking.id, "booking.reminder") == []
    assert bookings.reminded_at(booking.id) is None


def test_a_rescheduled_booking_is_reminded_only_at_its_new_time(
    bookings: Bookings, published: PublishedEvents
) -> None:
    booking = bookings.create(due_in=1.0)
    moved = bookings.move(booking, due_in=2.0)

    published.wait_for(
        lambda: published.of(booking.id, "booking.reminder"), timeout=10, what="the reminder"
    )
    time.sleep(SETTLE_S)  # would a second one follow?

    [reminder] = published.of(booking.id, "booking.reminder")
    assert reminder.data.version == moved.version
    sent_at = bookings.reminded_at(booking.id)
    assert sent_at is not None
    assert timedelta(0) <= sent_at - moved.reminder_due_at <= MAX_LATENESS


def test_two_reschedules_in_a_row_give_one_reminder_at_the_last_time(
    bookings: Bookings, published: PublishedEvents
) -> None:
    booking = bookings.create(due_in=1.0)
    bookings.move(booking, due_in=1.5)
    last = bookings.move(booking, due_in=2.0)

    published.wait_for(
        lambda: published.of(booking.id, "booking.reminder"), timeout=10, what="the reminder"
    )
    time.sleep(SETTLE_S)  # would a second one follow?

    [reminder] = published.of(booking.id, "booking.reminder")
    assert reminder.data.version == last.version
    assert len(published.of(booking.id, "booking.rescheduled")) == 2
    sent_at = bookings.reminded_at(booking.id)
    assert sent_at is not None
    assert timedelta(0) <= sent_at - last.reminder_due_at <= MAX_LATENESS
