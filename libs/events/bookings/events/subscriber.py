"""Reading the event stream with redis.asyncio: the live tail after an entry id, the replay of
what came after an id, and what the stream still retains (so a listener can tell it missed
events that were trimmed away).

Entry ids are `<ms>-<seq>` and only ever increase, so "after an id" is the whole contract between
a listener and the stream: the live tail and a replay read the same entries in the same order.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Final

import redis.asyncio as redis

from bookings.events.stream import STREAM_KEY, StreamEntry, entry_from_redis

StreamId = tuple[int, int]

# Redis accepts `<ms>` alone as `<ms>-0`; ids a client sends back are checked against this shape.
_ID_PATTERN: Final = re.compile(r"(\d{1,20})(?:-(\d{1,20}))?")
_U64_MAX: Final = 2**64 - 1
BEGINNING: Final = "0-0"


def parse_stream_id(raw: str) -> StreamId:
    """`"1700000000000-3"` → `(1700000000000, 3)`; anything else is a ValueError."""
    match = _ID_PATTERN.fullmatch(raw)
    if match is None:
        raise ValueError(f"not a stream entry id: {raw[:40]!r}")
    ms, seq = int(match[1]), int(match[2] or 0)
    if ms > _U64_MAX or seq > _U64_MAX:
        raise ValueError("a stream entry id part exceeds 64 bits")
    return ms, seq


def format_stream_id(stream_id: StreamId) -> str:
    return f"{stream_id[0]}-{stream_id[1]}"


def _successor(stream_id: StreamId) -> str:
    # XRANGE's exclusive `(id` needs Redis 6.2; the next possible id works on every version.
    ms, seq = stream_id
    return format_stream_id((ms + 1, 0) if seq == _U64_MAX else (ms, seq + 1))


@dataclass(frozen=True)
class Retention:
    """What the stream holds now: its oldest entry, the last id it ever generated, and (Redis 7+)
    the newest id that trimming removed."""

    first_id: StreamId | None
    last_id: StreamId
    max_deleted_id: StreamId | None = None

    def missed_since(self, after: StreamId) -> bool:
        """True when a listener that saw everything up to `after` cannot be given all it missed.

        That is when entries after `after` were trimmed away, or when `after` lies beyond the
        last id ever generated (an id from another stream, e.g. before Redis lost its data).
        Without Redis 7's `max-deleted-entry-id`, an id older than the oldest retained entry
        counts as missed: the entries in between may have existed.
        """
        if after > self.last_id:
            return True
        if self.max_deleted_id is not None:
            return after < self.max_deleted_id
        if self.first_id is None:
            return after < self.last_id
        return after < self.first_id


def _optional_id(value: Any) -> StreamId | None:
    if value is None:
        return None
    raw = value.decode() if isinstance(value, bytes) else str(value)
    parsed = parse_stream_id(raw)
    return None if parsed == (0, 0) else parsed


async def retention(client: redis.Redis, key: str = STREAM_KEY) -> Retention:
    """The stream's current bounds; a stream that does not exist yet retains nothing."""
    try:
        info: dict[str, Any] = await client.xinfo_stream(key)
    except redis.ResponseError as error:
        if "no such key" in str(error).lower():
            return Retention(first_id=None, last_id=(0, 0))
        raise
    first_entry = info.get("first-entry")
    return Retention(
        first_id=None if not first_entry else _optional_id(first_entry[0]),
        last_id=_optional_id(info["last-generated-id"]) or (0, 0),
        max_deleted_id=_optional_id(info.get("max-deleted-entry-id")),
    )


async def read_after(
    client: redis.Redis, after: str, *, block_ms: int, count: int, key: str = STREAM_KEY
) -> list[StreamEntry]:
    """Entries after `after`, waiting up to `block_ms` for the first one (XREAD BLOCK)."""
    # redis-py types replies loosely: XREAD gives [[key, [(id, fields), ...]]] or None.
    response: Any = await client.xread({key: after}, count=count, block=block_ms)
    entries: list[StreamEntry] = []
    for _stream, items in response or ():
        entries.extend(entry_from_redis(entry_id, fields) for entry_id, fields in items)
    return entries


async def replay_after(
    client: redis.Redis, after: StreamId, *, batch: int = 500, key: str = STREAM_KEY
) -> AsyncIterator[list[StreamEntry]]:
    """Every entry after `after` that the stream holds, oldest first, `batch` at a time.

    Stops at the end of the stream as it is when each batch is read: entries appended later
    belong to the live tail.
    """
    cursor = after
    while True:
        items: Any = await client.xrange(key, min=_successor(cursor), max="+", count=batch)
        if not items:
            return
        entries = [entry_from_redis(entry_id, fields) for entry_id, fields in items]
        yield entries
        if len(entries) < batch:
            return
        cursor = parse_stream_id(entries[-1].id)
