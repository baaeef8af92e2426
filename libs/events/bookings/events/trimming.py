"""Bounding the event stream by age: `XTRIM MINID ~` drops entries older than the limit.

Publishing bounds it by count (`MAXLEN ~`); this runs periodically for the age bound. Entry ids
start with their creation time in milliseconds, so an id made of a time is a cut-off.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import redis

from bookings.events.stream import STREAM_KEY


def trim_stream_by_age(client: redis.Redis, *, max_age: timedelta, now: datetime) -> int:
    """Removes entries older than `max_age`; returns how many went."""
    cutoff_ms = int((now - max_age).timestamp() * 1000)
    removed: int = client.xtrim(STREAM_KEY, minid=f"{max(cutoff_ms, 0)}-0", approximate=True)
    return removed
