from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as redis

from bookings.events import subscriber
from bookings.events.stream import STREAM_KEY, entry_fields
from bookings.events.subscriber import Retention, parse_stream_id


@pytest.fixture
async def client(redis_url: str) -> AsyncIterator[redis.Redis]:
    connection = redis.Redis.from_url(redis_url)
    yield connection
    await connection.aclose()


async def append(client: redis.Redis, n: int) -> list[str]:
    ids = []
    for i in range(n):
        fields: Any = entry_fields("booking.created", b'{"n":%d}' % i)
        entry_id: Any = await client.xadd(STREAM_KEY, fields)
        ids.append(str(entry_id.decode()))
    return ids


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [("1700000000000-3", (1700000000000, 3)), ("42", (42, 0)), ("0-0", (0, 0))],
)
def test_stream_ids_parse_to_comparable_pairs(raw: str, parsed: tuple[int, int]) -> None:
    assert parse_stream_id(raw) == parsed


@pytest.mark.parametrize("raw", ["", "abc", "1-", "-1", "1-2-3", " 1-2", "1.5", "9" * 30])
def test_malformed_stream_ids_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="stream entry id"):
        parse_stream_id(raw)


def test_nothing_is_missed_when_resuming_inside_the_retained_history() -> None:
    bounds = Retention(first_id=(10, 0), last_id=(20, 0))
    assert not bounds.missed_since((10, 0))
    assert not bounds.missed_since((15, 0))
    assert not bounds.missed_since((20, 0))


def test_resuming_before_the_oldest_retained_entry_has_missed_events() -> None:
    assert Retention(first_id=(10, 0), last_id=(20, 0)).missed_since((9, 5))


def test_resuming_after_the_last_generated_id_has_missed_events() -> None:
    assert Retention(first_id=(10, 0), last_id=(20, 0)).missed_since((21, 0))


def test_an_emptied_stream_has_missed_events_unless_resuming_at_its_end() -> None:
    bounds = Retention(first_id=None, last_id=(20, 0))
    assert bounds.missed_since((19, 0))
    assert not bounds.missed_since((20, 0))


def test_max_deleted_id_decides_when_redis_reports_it() -> None:
    bounds = Retention(first_id=(10, 0), last_id=(20, 0), max_deleted_id=(5, 0))
    assert not bounds.missed_since((5, 0))
    assert bounds.missed_since((4, 0))


async def test_retention_of_a_missing_stream_is_empty(client: redis.Redis) -> None:
    assert await subscriber.retention(client) == Retention(first_id=None, last_id=(0, 0))


async def test_retention_reports_oldest_and_last_ids_after_trimming(client: redis.Redis) -> None:
    ids = await append(client, 5)
    await client.xtrim(STREAM_KEY, maxlen=2, approximate=False)
    bounds = await subscriber.retention(client)
    assert bounds.first_id == parse_stream_id(ids[3])
    assert bounds.last_id == parse_stream_id(ids[4])
    assert bounds.missed_since(parse_stream_id(ids[1]))
    assert not bounds.missed_since(parse_stream_id(ids[3]))


async def test_read_after_returns_entries_after_the_id(client: redis.Redis) -> None:
    ids = await append(client, 3)
    entries = await subscriber.read_after(client, ids[0], block_ms=100, count=10)
    assert [e.id for e in entries] == ids[1:]
    assert entries[0].event == "booking.created"
    assert entries[0].data == b'{"n":1}'


async def test_read_after_the_end_waits_then_returns_nothing(client: redis.Redis) -> None:
    ids = await append(client, 1)
    assert await subscriber.read_after(client, ids[0], block_ms=50, count=10) == []


async def test_replay_after_yields_everything_later_in_batches(client: redis.Redis) -> None:
    ids = await append(client, 7)
    batches = [
        [e.id for e in batch]
        async for batch in subscriber.replay_after(client, parse_stream_id(ids[1]), batch=2)
    ]
    assert batches == [ids[2:4], ids[4:6], ids[6:7]]


async def test_replay_after_the_last_entry_yields_nothing(client: redis.Redis) -> None:
    ids = await append(client, 2)
    batches = [b async for b in subscriber.replay_after(client, parse_stream_id(ids[-1]))]
    assert batches == []
