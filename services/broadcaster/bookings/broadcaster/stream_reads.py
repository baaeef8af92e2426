"""Reading the event stream for the broadcaster: the live tail and a resume replay, each entry
already turned into an outgoing frame.

Unlike `bookings.events.subscriber`, a read here never fails because of one entry: anything
can be appended to the stream (`XADD bookings:events * junk 1`), and an entry that is not an
event is returned apart, with its id, so the reader still moves past it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Final

import redis.asyncio as redis

from bookings.broadcaster.frames import MalformedEntry, Outgoing, outgoing
from bookings.events.stream import STREAM_KEY, StreamEntry, entry_from_redis
from bookings.events.subscriber import StreamId, format_stream_id, parse_stream_id

_U64_MAX: Final = 2**64 - 1


@dataclass
class Batch:
    """What one read returned, in stream order."""

    events: list[Outgoing] = field(default_factory=list)
    # Why each skipped entry is not an event; the text names the entry id.
    malformed: list[str] = field(default_factory=list)
    # The id of the last entry read, event or not: where the next read starts.
    last_id: str | None = None


def _batch(items: Any) -> Batch:
    batch = Batch()
    for raw_id, fields in items:
        entry_id = raw_id.decode() if isinstance(raw_id, bytes) else str(raw_id)
        batch.last_id = entry_id
        try:
            batch.events.append(outgoing(_entry(entry_id, fields)))
        except MalformedEntry as error:
            batch.malformed.append(str(error))
    return batch


def _entry(entry_id: str, fields: dict[bytes, bytes]) -> StreamEntry:
    try:
        return entry_from_redis(entry_id, fields)
    except KeyError as missing:
        raise MalformedEntry(f"entry {entry_id}: no {missing} field") from None
    except ValueError as error:  # a field that is not UTF-8 where text is expected
        raise MalformedEntry(f"entry {entry_id}: {type(error).__name__}") from None


async def read_after(client: redis.Redis, after: str, *, block_ms: int, count: int) -> Batch:
    """Entries after `after`, waiting up to `block_ms` for the first one (XREAD BLOCK)."""
    # redis-py types replies loosely: XREAD gives [[key, [(id, fields), ...]]] or None.
    response: Any = await client.xread({STREAM_KEY: after}, count=count, block=block_ms)
    items = [item for _stream, stream_items in response or () for item in stream_items]
    return _batch(items)


def _successor(stream_id: StreamId) -> str:
    # XRANGE's exclusive `(id` needs Redis 6.2; the next possible id works on every version.
    ms, seq = stream_id
    return format_stream_id((ms + 1, 0) if seq == _U64_MAX else (ms, seq + 1))


async def replay_after(client: redis.Redis, after: StreamId, *, batch: int) -> AsyncIterator[Batch]:
    """Every entry after `after` that the stream holds, oldest first, `batch` at a time; stops
    at the end of the stream as it is when each batch is read (later entries are live)."""
    cursor = after
    while True:
        items: Any = await client.xrange(STREAM_KEY, min=_successor(cursor), max="+", count=batch)
        if not items:
            return
        read = _batch(items)
        yield read
        if len(items) < batch or read.last_id is None:
            return
        cursor = parse_stream_id(read.last_id)
