"""Calendar feeds for the `ics` tests: entries, the feed and ETag rendered from them, and a
strict reading of the feed, line by line and by the `icalendar` package."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import icalendar

from bookings.api.ics import FeedEntry, feed_etag, render_feed
from bookings.persistence.calendar_feeds import listing_digest

START = datetime(2030, 12, 24, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))  # 09:00 UTC
CREATED = datetime(2030, 1, 2, 3, 4, 5, 678_000, tzinfo=UTC)
UPDATED = datetime(2030, 1, 3, 4, 5, 6, 789_000, tzinfo=UTC)
HOST = "bookings.example"
NAME = "Dr. Ana's bookings"
REFRESH = timedelta(minutes=15)
# What may not appear in a content line's bytes (RFC 5545 3.1): controls but tab, bare CR/LF.
CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def entry(
    title: str = "Consultation",
    *,
    status: str = "scheduled",
    version: int = 1,
    created_at: datetime = CREATED,
) -> FeedEntry:
    end = START + timedelta(minutes=45)
    return FeedEntry(uuid4(), title, START, end, status, version, created_at, UPDATED)


def feed(
    entries: Iterable[FeedEntry],
    *,
    uid_host: str = HOST,
    calendar_name: str = NAME,
    refresh_interval: timedelta = REFRESH,
) -> bytes:
    return render_feed(
        entries, uid_host=uid_host, calendar_name=calendar_name, refresh_interval=refresh_interval
    )


def etag(
    entries: Sequence[FeedEntry],
    *,
    uid_host: str = HOST,
    calendar_name: str = NAME,
    refresh_interval: timedelta = REFRESH,
) -> str:
    return feed_etag(
        listing_digest((e.id, e.version) for e in entries),
        uid_host=uid_host,
        calendar_name=calendar_name,
        refresh_interval=refresh_interval,
    )


def physical_lines(body: bytes) -> list[bytes]:
    """The body's lines, each checked: at most 75 octets of whole UTF-8 characters, no controls."""
    assert body.endswith(b"\r\n")
    lines = body[:-2].split(b"\r\n")
    for line in lines:
        assert len(line) <= 75, line
        line.decode()  # strict: a fold never splits a character
        assert CONTROL_BYTES.search(line) is None, line
    return lines


def parse(body: bytes) -> icalendar.Calendar:
    physical_lines(body)
    calendar = icalendar.Calendar.from_ical(body)
    for component in calendar.walk():
        assert component.errors == []
    return calendar


def shown(title: str) -> str:
    """A title as the feed carries it: newlines as LF; other controls (but tab) and lone
    surrogates (which UTF-8 cannot encode) as U+FFFD."""
    return CONTROLS.sub("\ufffd", title.replace("\r\n", "\n").replace("\r", "\n"))


def summary_of(title: str) -> str:
    (event,) = parse(feed([entry(title)])).events
    return str(event["SUMMARY"])
