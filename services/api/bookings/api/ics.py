"""A provider's bookings as an RFC 5545 calendar feed (`text/calendar`), and its ETag.

Calendar apps (Google, Apple, Outlook, Thunderbird) subscribe to the feed's URL and poll it,
so rendering is kept cheap: every time in UTC form, one string built and encoded
once, and folding work only for the lines that need it. With no `METHOD` property, an event's
`DTSTAMP` is its last revision (RFC 5545 3.8.7.2): the body then depends on the rows alone, and
`feed_etag` can tell when it changes without rendering it.
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from bookings.domain.status import BookingStatus

# Bump whenever the rendering changes, so that clients holding an old ETag get the new body.
FEED_FORMAT_VERSION = 1
PRODID = "-//Bookings//Calendar feed//EN"
_MAX_LINE_OCTETS = 75  # RFC 5545 3.1, excluding the CRLF
_STATUS = {
    BookingStatus.SCHEDULED.value: "CONFIRMED",
    BookingStatus.CANCELLED.value: "CANCELLED",
}
# A cancelled booking leaves the time free; apps that still show it must not count it as busy.
_TRANSP = {"CONFIRMED": "OPAQUE", "CANCELLED": "TRANSPARENT"}
# What TEXT (RFC 5545 3.3.11) must escape, and what a content line may not hold at all: the
# controls but tab, and lone surrogates, which UTF-8 cannot encode.
_NEEDS_WORK = re.compile("[\\\\;,\x00-\x08\x0a-\x1f\x7f\ud800-\udfff]")
_ESCAPES = str.maketrans(
    {
        "\\": "\\\\",
        ";": "\\;",
        ",": "\\,",
        "\n": "\\n",
        "\r": "\\n",
        **{chr(c): "\ufffd" for c in [*range(0x09), *range(0x0B, 0x0D), *range(0x0E, 0x20), 0x7F]},
    }
)
_SURROGATE = re.compile("[\ud800-\udfff]")
_UTC_TIME_ZONE = (
    "BEGIN:VTIMEZONE\r\n"
    "TZID:UTC\r\n"
    "BEGIN:STANDARD\r\n"
    "DTSTART:19700101T000000\r\n"
    "TZOFFSETFROM:+0000\r\n"
    "TZOFFSETTO:+0000\r\n"
    "TZNAME:UTC\r\n"
    "END:STANDARD\r\n"
    "END:VTIMEZONE\r\n"
)


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """A booking as the feed shows it; fields in the order of the query that selects them."""

    id: UUID
    title: str
    start_time: datetime  # every time timezone-aware
    end_time: datetime
    status: str  # a BookingStatus value
    version: int
    created_at: datetime
    updated_at: datetime


def render_feed(
    entries: Iterable[FeedEntry], *, uid_host: str, calendar_name: str, refresh_interval: timedelta
) -> bytes:
    """The `text/calendar` body: one VEVENT per entry, in the order given.

    Titles are TEXT: CR, LF and CRLF become one escaped newline; the other control characters
    (but tab) and lone surrogates, which no content line may hold, become U+FFFD.
    """
    uid_suffix = "@" + escape_text(uid_host)
    parts = [_calendar_header(calendar_name, refresh_interval)]
    parts.extend(_event(entry, uid_suffix) for entry in entries)
    if len(parts) == 1:
        # RFC 5545's grammar wants one component at least: a calendar with no bookings
        # carries the definition of UTC, which every time in the feed is in anyway.
        parts.append(_UTC_TIME_ZONE)
    parts.append("END:VCALENDAR\r\n")
    return "".join(parts).encode()


def feed_etag(
    listing: str, *, uid_host: str, calendar_name: str, refresh_interval: timedelta
) -> str:
    """A strong ETag for what `render_feed` returns for these arguments, from the `listing`
    digest of its entries' ids and versions, in order (`calendar_feeds.listing_digest`, which
    PostgreSQL computes too, without sending the rows).

    That relies on every change of a booking (title, times, status) bumping its version, which
    also moves `updated_at` (DTSTAMP, LAST-MODIFIED).
    """
    digest = hashlib.blake2b(digest_size=16)
    for text in (uid_host, calendar_name, listing):
        encoded = text.encode(errors="surrogatepass")
        digest.update(len(encoded).to_bytes(8, "big"))
        digest.update(encoded)
    seconds = refresh_interval // timedelta(microseconds=1)
    digest.update(struct.pack(">qq", FEED_FORMAT_VERSION, seconds))
    return f'"{digest.hexdigest()}"'


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11) fit for a content line; see `render_feed`."""
    if _NEEDS_WORK.search(value) is None:
        return value
    value = value.replace("\r\n", "\n").translate(_ESCAPES)
    return _SURROGATE.sub("\ufffd", value)


def fold(line: str) -> str:
    """The content line split into physical lines of at most 75 octets of UTF-8 (RFC 5545 3.1):
    each fold is a CRLF and a space, never inside a character's bytes. No trailing CRLF."""
    if len(line) <= _MAX_LINE_OCTETS and line.isascii():
        return line
    if line.isascii():
        return _fold_ascii(line)
    encoded = line.encode()
    if len(encoded) <= _MAX_LINE_OCTETS:
        return line
    return _fold_utf8(encoded)


def _fold_ascii(line: str) -> str:
    # After the first, each physical line spends one of its 75 octets on the leading space.
    width = _MAX_LINE_OCTETS - 1
    pieces = [line[:_MAX_LINE_OCTETS]]
    pieces.extend(line[at : at + width] for at in range(_MAX_LINE_OCTETS, len(line), width))
    return "\r\n ".join(pieces)


def _fold_utf8(encoded: bytes) -> str:
    pieces = []
    start, limit = 0, _MAX_LINE_OCTETS
    while len(encoded) - start > limit:
        end = start + limit
        while encoded[end] & 0xC0 == 0x80:  # a continuation byte: the cut would split a character
            end -= 1
        pieces.append(encoded[start:end].decode())
        start, limit = end, _MAX_LINE_OCTETS - 1
    pieces.append(encoded[start:].decode())
    return "\r\n ".join(pieces)


def _calendar_header(calendar_name: str, refresh_interval: timedelta) -> str:
    name = escape_text(calendar_name)
    interval = _duration(refresh_interval)
    return (
        "BEGIN:VCALENDAR\r\n"
        "VERSION:2.0\r\n"
        f"PRODID:{PRODID}\r\n"
        "CALSCALE:GREGORIAN\r\n"
        f"{fold('NAME:' + name)}\r\n"
        f"{fold('X-WR-CALNAME:' + name)}\r\n"
        f"REFRESH-INTERVAL;VALUE=DURATION:{interval}\r\n"
        f"X-PUBLISHED-TTL:{interval}\r\n"
    )


def _event(entry: FeedEntry, uid_suffix: str) -> str:
    status = _STATUS[entry.status]
    revised = _utc(entry.updated_at)
    return (
        "BEGIN:VEVENT\r\n"
        f"{fold(f'UID:{entry.id}{uid_suffix}')}\r\n"
        f"DTSTAMP:{revised}\r\n"
        f"DTSTART:{_utc(entry.start_time)}\r\n"
        f"DTEND:{_utc(entry.end_time)}\r\n"
        f"{fold('SUMMARY:' + escape_text(entry.title))}\r\n"
        f"STATUS:{status}\r\n"
        f"TRANSP:{_TRANSP[status]}\r\n"
        f"SEQUENCE:{entry.version}\r\n"
        f"CREATED:{_utc(entry.created_at)}\r\n"
        f"LAST-MODIFIED:{revised}\r\n"
        "END:VEVENT\r\n"
    )


def _utc(at: datetime) -> str:
    """A DATE-TIME in UTC form (`20301224T090000Z`); fractions of a second are dropped."""
    if at.tzinfo is not UTC:  # rows come in UTC: skip the conversion's cost for them
        if at.utcoffset() is None:
            # astimezone() would read a naive time as the server's local time.
            raise ValueError(f"naive datetime in a calendar feed: {at!r}")
        at = at.astimezone(UTC)
    # Twice as fast as strftime() or an f-string, for the feed's four times per event.
    return "%04d%02d%02dT%02d%02d%02dZ" % (
        at.year,
        at.month,
        at.day,
        at.hour,
        at.minute,
        at.second,
    )


def _duration(interval: timedelta) -> str:
    """A positive whole number of seconds as an RFC 5545 DURATION in its largest whole unit."""
    seconds, remainder = divmod(interval, timedelta(seconds=1))
    if seconds < 1 or remainder:
        raise ValueError(f"not a positive whole number of seconds: {interval!r}")
    if seconds % 3600 == 0:
        return f"PT{seconds // 3600}H"
    if seconds % 60 == 0:
        return f"PT{seconds // 60}M"
    return f"PT{seconds}S"
