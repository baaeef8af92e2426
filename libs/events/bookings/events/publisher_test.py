from datetime import UTC, datetime, timedelta
from typing import cast

import redis

from bookings.events.publisher import EventPublisher, OutgoingEvent
from bookings.events.stream import STREAM_KEY, entry_from_redis
from bookings.events.trimming import trim_stream_by_age

Entries = list[tuple[bytes, dict[bytes, bytes]]]


def stream_entries(client: redis.Redis) -> Entries:
    return cast(Entries, client.xrange(STREAM_KEY))


def test_an_event_goes_to_its_channel_and_to_the_stream_with_the_same_bytes(
    redis_url: str,
) -> None:
    client = redis.Redis.from_url(redis_url)
    subscriber = client.pubsub()
    subscriber.subscribe("booking.created")
    assert subscriber.get_message(timeout=1) is not None  # the subscribe confirmation
    payload = b'{"id":"1","event":"booking.created","occurredAt":"x","data":{}}'

    ids = EventPublisher(client, stream_max_length=100).publish(
        [OutgoingEvent("booking.created", payload)]
    )

    message = subscriber.get_message(timeout=2)
    assert message is not None
    assert message["data"] == payload
    [(entry_id, fields)] = stream_entries(client)
    entry = entry_from_redis(entry_id, fields)
    assert (entry.id, entry.event, entry.data) == (ids[0], "booking.created", payload)
    subscriber.close()
    client.close()


def test_stream_entry_ids_follow_publication_order(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    events = [OutgoingEvent("booking.cancelled", str(i).encode()) for i in range(5)]

    ids = EventPublisher(client, stream_max_length=100).publish(events)

    entries = [entry_from_redis(i, f) for i, f in stream_entries(client)]
    assert [e.id for e in entries] == ids
    assert [e.data for e in entries] == [str(i).encode() for i in range(5)]
    client.close()


def test_the_stream_stays_near_its_maximum_length(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    publisher = EventPublisher(client, stream_max_length=100)

    for start in range(0, 2000, 100):
        publisher.publish(
            [OutgoingEvent("booking.created", b"%d" % i) for i in range(start, start + 100)]
        )

    # `MAXLEN ~` trims whole nodes only (100 entries each by default), so a little more stays.
    assert 100 <= client.xlen(STREAM_KEY) < 300
    client.close()


def test_trimming_by_age_drops_only_entries_older_than_the_limit(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    now = datetime.now(UTC)
    old_ms = int((now - timedelta(hours=2)).timestamp() * 1000)
    for seq in range(300):
        client.xadd(STREAM_KEY, {"event": "booking.created", "data": "old"}, id=f"{old_ms}-{seq}")
    EventPublisher(client, stream_max_length=10_000).publish(
        [OutgoingEvent("booking.created", b"new")]
    )

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
    [entry_id] = publisher.publish([OutgoingEvent("booking.created", b"{}", "e-1")])
    [(_, fields)] = stream_entries(client)
    assert entry_from_redis(entry_id, fields).event_id == "e-1"
