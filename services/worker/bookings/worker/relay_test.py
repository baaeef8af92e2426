"""The outbox relay against real PostgreSQL and Redis."""

import threading
from collections.abc import Iterator, Sequence
from typing import cast

import pytest
import redis
import sqlalchemy as sa
from prometheus_client import CollectorRegistry
from redis.backoff import NoBackoff
from redis.retry import Retry

from bookings.events.publisher import EventPublisher, OutgoingEvent
from bookings.events.stream import STREAM_KEY, entry_from_redis
from bookings.persistence.database import Database
from bookings.persistence.tables import outbox
from bookings.worker.metrics import WorkerMetrics
from bookings.worker.relay import Relay
from bookings.worker.reminder_schedule import ReminderSchedule
from bookings.worker.role_process import reminder_schedule
from bookings.worker.settings import WorkerSettings
from bookings.worker.testing_bookings import Bookings, PublishedEvents
from bookings.worker.testing_processes import StartWorker


@pytest.fixture
def schedule_client(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


def make_relay(database: Database, client: redis.Redis) -> tuple[Relay, ReminderSchedule]:
    schedule = reminder_schedule(client, WorkerSettings.from_env())
    publisher = EventPublisher(client, stream_max_length=10_000)
    metrics = WorkerMetrics(CollectorRegistry())
    return Relay(database, publisher, schedule, metrics, batch_size=50), schedule


def unpublished(database: Database) -> int:
    with database.engine.connect() as connection:
        statement = sa.select(sa.func.count()).where(outbox.c.published_at.is_(None))
        count: int = connection.execute(statement).scalar_one()
        return count


def test_the_relay_publishes_marks_and_schedules_and_follows_a_cancel(
    bookings: Bookings, published: PublishedEvents, schedule_client: redis.Redis
) -> None:
    relay, schedule = make_relay(bookings.database, schedule_client)
    kept = bookings.create(due_in=60)
    dropped = bookings.create(due_in=90)
    bookings.cancel(dropped)

    relay.drain()

    assert unpublished(bookings.database) == 0
    assert len(published.of(kept.id, "booking.created")) == 1
    assert len(published.of(dropped.id, "booking.cancelled")) == 1
    assert schedule.scheduled_at(kept.id) == kept.reminder_due_at
    assert schedule.scheduled_at(dropped.id) is None


def test_nothing_is_marked_published_while_redis_is_unreachable(
    bookings: Bookings, schedule_client: redis.Redis
) -> None:
    # No retries: redis-py's default ones pause for seconds in all before the error comes.
    unreachable = redis.Redis(
        host="127.0.0.1", port=1, socket_connect_timeout=0.5, retry=Retry(NoBackoff(), retries=0)
    )
    relay, _ = make_relay(bookings.database, unreachable)
    bookings.create(due_in=60)
    waiting = unpublished(bookings.database)

    with pytest.raises(redis.ConnectionError):
        relay.drain()

    assert waiting >= 1
    assert unpublished(bookings.database) == waiting
    relay_again, _ = make_relay(bookings.database, schedule_client)
    relay_again.drain()
    assert unpublished(bookings.database) == 0


def test_two_relays_at_once_publish_every_outbox_row_exactly_once(
    start_worker: StartWorker, bookings: Bookings, published: PublishedEvents
) -> None:
    start_worker("relay")
    start_worker("relay")
    created: list[object] = []

    def create_many() -> None:
        for _ in range(50):
            created.append(bookings.create(due_in=600).id)

    writers = [threading.Thread(target=create_many) for _ in range(4)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()

    published.wait_for(
        lambda: unpublished(bookings.database) == 0, timeout=30, what="the outbox to drain"
    )
    events = [e for e in published.all() if e.data.booking_id in set(created)]
    assert len(created) == 200
    assert len(events) == 200
    assert len({e.id for e in events}) == 200


class SlowFirstBatch(EventPublisher):
    """Holds the first batch it publishes until released, as a relay slowed by a GC pause would."""

    def __init__(self, client: redis.Redis) -> None:
        super().__init__(client, stream_max_length=10_000)
        self.claimed = threading.Event()
        self.released = threading.Event()

    def publish(self, events: Sequence[OutgoingEvent]) -> list[str]:
        if not self.claimed.is_set():
            self.claimed.set()
            self.released.wait(timeout=30)  # bounded: a test that fails first leaves no hang
        return super().publish(events)


def test_with_two_relays_a_bookings_events_reach_the_stream_in_version_order(
    bookings: Bookings, published: PublishedEvents, schedule_client: redis.Redis
) -> None:
    booked = [bookings.create(due_in=600) for _ in range(5)]
    for booking in booked:
        bookings.move(booking, due_in=900)
        bookings.cancel(booking)
    schedule = reminder_schedule(schedule_client, WorkerSettings.from_env())
    metrics = WorkerMetrics(CollectorRegistry())
    slow_publisher = SlowFirstBatch(schedule_client)
    slow = Relay(bookings.database, slow_publisher, schedule, metrics, batch_size=5)
    fast, _ = make_relay(bookings.database, schedule_client)

    slow_relay = threading.Thread(target=slow.drain)
    slow_relay.start()
    try:
        assert slow_publisher.claimed.wait(timeout=30)
        fast.drain()  # while the slow relay holds the oldest rows
    finally:
        slow_publisher.released.set()
    slow_relay.join(timeout=60)
    while unpublished(bookings.database):
        fast.drain()

    for booking in booked:
        versions = [e.data.version for e in published.all() if e.data.booking_id == booking.id]
        assert versions == [1, 2, 3]


def test_every_stream_entry_carries_the_event_and_its_outbox_data_bytes(
    bookings: Bookings, schedule_client: redis.Redis
) -> None:
    relay, _ = make_relay(bookings.database, schedule_client)
    bookings.cancel(bookings.create(due_in=60))
    with bookings.database.engine.connect() as connection:
        rows = connection.execute(
            sa.select(outbox.c.event_id, outbox.c.event_type, outbox.c.provider_id, outbox.c.data)
            .where(outbox.c.published_at.is_(None))
            .order_by(outbox.c.id)
        ).all()
    relay.drain()
    raw = cast(list[tuple[bytes, dict[bytes, bytes]]], schedule_client.xrange(STREAM_KEY))
    entries = [entry_from_redis(entry_id, fields) for entry_id, fields in raw]
    assert [(e.event_id, e.event, e.provider_id, e.data) for e in entries] == [
        (str(row.event_id), row.event_type, row.provider_id, row.data) for row in rows
    ]
    assert all(entry.occurred_at and entry.occurred_at.endswith("Z") for entry in entries)
