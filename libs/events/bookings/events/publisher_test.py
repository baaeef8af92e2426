from datetime import UTC, datetime, timedelta
from typing import cast

import msgspec
import redis

from bookings.events.publisher import EventPublisher, OutgoingEvent
from bookings.events.stream import STREAM_KEY, StreamEntry, entry_from_redis
from bookings.events.trimming import trim_stream_by_age

Entries = list[tuple[bytes, dict[bytes, bytes]]]


def stream_entries(client: redis.Redis) -> Entries:
    return cast(Entries, client.xrange(STREAM_KEY))


def event(data: bytes, event_type: str = "booking.created", event_id: str = "e-1") -> OutgoingEvent:
    return OutgoingEvent(
        event_type=event_type,
        event_id=event_id,
        occurred_at="2030-01-01T09:00:00Z",
        provider_id="prov-a",
        data=data,
    )


def test_an_event_goes_to_its_channel_and_to_the_stream_with_the_same_data_bytes(
    redis_url: str,
) -> None:
    client = redis.Redis.from_url(redis_url)
    subscriber = client.pubsub()
    subscriber.subscribe("booking.created")
    assert subscriber.get_message(timeout=1) is not None  # the subscribe confirmation
    data = b'{ "bookingId": "b1",  "providerId": "prov-a" }'

    ids = EventPublisher(client, stream_max_length=100).publish([event(data)])

    message = subscriber.get_message(timeout=2)
    assert message is not None
    assert msgspec.json.decode(message["data"]) == {
        "id": "e-1",
        "eventId": "e-1",
        "event": "booking.created",
        "occurredAt": "2030-01-01T09:00:00Z",
        "data": {"bookingId": "b1", "providerId": "prov-a"},
    }
    assert message["data"].endswith(b'"data":' + data + b"}")
    [(entry_id, fields)] = stream_entries(client)
    entry = entry_from_redis(entry_id, fields)
    assert entry == StreamEntry(
        id=ids[0],
        event="booking.created",
        data=data,
        event_id="e-1",
        occurred_at="2030-01-01T09:00:00Z",
        provider_id="prov-a",
    )
    assert not entry.is_envelope
    subscriber.close()
    client.close()


def test_stream_entry_ids_follow_publication_order(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    events = [event(str(i).encode(), "booking.cancelled") for i in range(5)]

    ids = EventPublisher(client, stream_max_length=100).publish(events)

    entries = [entry_from_redis(i, f) for i, f in stream_entries(client)]
    assert [e.id for e in entries] == ids
    assert [e.data for e in entries] == [str(i).encode() for i in range(5)]
    client.close()


def test_the_stream_stays_near_its_maximum_length(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    publisher = EventPublisher(client, stream_max_length=100)

    for start in range(0, 2000, 100):
        publisher.publish([event(b"%d" % i) for i in range(start, start + 100)])

    # `MAXLEN ~` trims whole nodes only (100 entries each by default), so a little more stays.
    assert 100 <= client.xlen(STREAM_KEY) < 300
    client.close()


def test_trimming_by_age_drops_only_entries_older_than_the_limit(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    now = datetime.now(UTC)
    old_ms = int((now - timedelta(hours=2)).timestamp() * 1000)
    for seq in range(300):
        client.xadd(STREAM_KEY, {"event": "booking.created", "data": "old"}, id=f"{old_ms}-{seq}")
    EventPublisher(client, stream_max_length=10_000).publish([event(b"new")])

    trim_stream_by_age(client, max_age=timedelta(hours=1), now=now)

    # Approximate trimming removes whole nodes: what is left is every new entry and at most
    # one node's worth of old ones.
    datas = [fields[b"data"] for _, fields in stream_entries(client)]
    assert datas[-1] == b"new"
    assert datas.count(b"old") < 100
    client.close()


def test_a_stream_entry_carries_the_event_id_it_was_given(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    publisher = EventPublisher(client, stream_max_length=100)
    [entry_id] = publisher.publish([event(b"{}", event_id="e-7")])
    [(_, fields)] = stream_entries(client)
    assert entry_from_redis(entry_id, fields).event_id == "e-7"
