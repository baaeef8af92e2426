"""The calendar feed, read back by the `icalendar` package and checked byte by byte."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookings.api.ics import FeedEntry, feed_etag, fold, render_feed
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
ETAG = re.compile(r'^"[0-9a-f]{32}"$')


@pytest.fixture(autouse=True, scope="module")
def _strict_events() -> Iterator[None]:
    """icalendar records a VEVENT's unparsable properties in `errors` instead of raising."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(icalendar.Event, "ignore_exceptions", False)
        yield


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


def test_the_checks_catch_a_broken_event() -> None:
    """icalendar, made strict, refuses a malformed time; it would keep a bare CR, which the byte
    checks refuse (as they refuse long lines and split characters, which it also lets through)."""
    body = feed([entry()])
    with pytest.raises(ValueError, match="Expected datetime"):
        parse(body.replace(b"DTSTART:20301224T", b"DTSTART:2030-12-24T"))
    with pytest.raises(AssertionError):
        parse(body.replace(b"SUMMARY:Consultation", b"SUMMARY:Consul\rtation"))


def shown(title: str) -> str:
    """A title as the feed carries it: newlines as LF; other controls (but tab) and lone
    surrogates (which UTF-8 cannot encode) as U+FFFD."""
    return CONTROLS.sub("\ufffd", title.replace("\r\n", "\n").replace("\r", "\n"))


def summary_of(title: str) -> str:
    (event,) = parse(feed([entry(title)])).events
    return str(event["SUMMARY"])


def test_the_calendar_names_itself_and_its_refresh_interval() -> None:
    calendar = parse(feed([entry()]))
    calendar.validate()
    assert calendar.name == "VCALENDAR"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == "-//Bookings//Calendar feed//EN"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert "METHOD" not in calendar  # so that DTSTAMP means the event's last revision
    assert calendar.refresh_interval == timedelta(minutes=15)
    assert str(calendar["X-PUBLISHED-TTL"]) == "PT15M"
    # icalendar keeps NAME and X-WR-CALNAME as unknown types: their values come back raw.
    assert str(calendar["NAME"]) == str(calendar["X-WR-CALNAME"]) == "Dr. Ana's bookings"


def test_the_calendar_name_is_escaped() -> None:
    body = feed([], calendar_name="Ana, Bo; C\\D\nE")
    escaped = "Ana\\, Bo\\; C\\\\D\\nE"
    assert f"\r\nNAME:{escaped}\r\nX-WR-CALNAME:{escaped}\r\n".encode() in body
    calendar = parse(body)
    assert str(calendar["NAME"]) == str(calendar["X-WR-CALNAME"]) == escaped


def test_an_event_carries_the_booking_in_utc() -> None:
    booking = entry("Haircut", version=7)
    (event,) = parse(feed([booking])).events
    assert str(event["UID"]) == f"{booking.id}@bookings.example"
    assert event.start == datetime(2030, 12, 24, 9, 0, tzinfo=UTC)
    assert isinstance(event.start, datetime)
    assert event.start.utcoffset() == timedelta(0)
    assert event.end == datetime(2030, 12, 24, 9, 45, tzinfo=UTC)
    assert str(event["SUMMARY"]) == "Haircut"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["TRANSP"]) == "OPAQUE"
    assert event["SEQUENCE"] == 7
    # Whole seconds: DATE-TIME has no fractions.
    assert event.DTSTAMP == event.last_modified == UPDATED.replace(microsecond=0)
    assert event.created == CREATED.replace(microsecond=0)


def test_the_times_are_written_in_utc_form() -> None:
    body = feed([entry()])
    assert b"\r\nDTSTART:20301224T090000Z\r\n" in body
    assert b"\r\nDTEND:20301224T094500Z\r\n" in body
    assert b"\r\nDTSTAMP:20300103T040506Z\r\n" in body


def test_a_cancelled_booking_is_a_cancelled_event_that_leaves_the_time_free() -> None:
    (event,) = parse(feed([entry(status="cancelled", version=2)])).events
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["TRANSP"]) == "TRANSPARENT"
    assert event["SEQUENCE"] == 2


def test_events_come_in_the_order_given() -> None:
    entries = [entry(f"Booking {n}") for n in range(50)]
    events = parse(feed(iter(entries))).events
    assert [str(event["UID"]) for event in events] == [f"{e.id}@bookings.example" for e in entries]


def test_an_empty_feed_is_a_valid_calendar_without_events() -> None:
    # RFC 5545's grammar wants one component at least: the empty feed defines UTC.
    calendar = parse(feed([]))
    calendar.validate()
    assert calendar.events == []
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["UTC"]
    assert calendar.refresh_interval == timedelta(minutes=15)


@pytest.mark.parametrize(
    "title",
    [
        "Lunch, then review; maybe",
        "C:\\Users\\ana\\ and a trailing \\",
        "\\n is not a newline, \\, is not a comma",
        "line one\nline two",
        "line one\r\nline two",
        "line one\rline two",
        "blank\n\n\nlines\r\r\n",
        "bell\x07, escape\x1b, delete\x7f, vertical tab\x0b, form feed\x0c, tab\tkept",
        'quotes "and" colons: URL https://x.example/?a=1;b=2',
        "x" * 200,
        "é" * 200,
        "面談" * 100,
        "🎉" * 200,
        "a" + "🎉" * 199,
        "ab" + "👩‍👩‍👧‍👦" * 28,
        " leading and trailing spaces ",
        "\ufeffbyte order mark, \u2028line separator, \x85next line",
        "half an emoji: \ud83c",
    ],
)
def test_tricky_titles_round_trip(title: str) -> None:
    assert summary_of(title) == shown(title)


def test_a_title_cannot_inject_properties_or_events() -> None:
    title = "x\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil\r\nSUMMARY:injected\r\nEND:VEVENT\r\nBEGIN:VEVENT"
    (event,) = parse(feed([entry(title)])).events
    assert str(event["SUMMARY"]) == title.replace("\r\n", "\n")
    assert str(event["UID"]) != "evil"


def test_long_titles_fold_within_75_octets() -> None:
    body = feed([entry("🎉" * 200)])
    lines = physical_lines(body)
    start = next(n for n, line in enumerate(lines) if line.startswith(b"SUMMARY:"))
    # 8 + 800 octets: as many whole emoji as fit in 75 octets, then in 74 after each space.
    assert [len(line) for line in lines[start : start + 12]] == [72] + [73] * 10 + [17]


@pytest.mark.parametrize("character", ["a", "é", "面", "🎉"])
@pytest.mark.parametrize("length", [0, 1, 66, 67, 74, 75, 76, 148, 149, 150, 300])
def test_folding_keeps_every_character_whole(character: str, length: int) -> None:
    line = "SUMMARY:" + character * length
    folded = fold(line)
    assert folded.replace("\r\n ", "") == line
    for physical in folded.encode().split(b"\r\n"):
        assert len(physical) <= 75
        physical.decode()
    if len(line.encode()) <= 75:
        assert folded == line


def test_a_long_uid_host_folds_too() -> None:
    host = "calendar." * 10 + "example"
    booking = entry()
    (event,) = parse(feed([booking], uid_host=host)).events
    assert str(event["UID"]) == f"{booking.id}@{host}"


@pytest.mark.parametrize(
    ("interval", "written"),
    [
        (timedelta(minutes=15), "PT15M"),
        (timedelta(hours=1), "PT1H"),
        (timedelta(days=1), "PT24H"),
        (timedelta(seconds=90), "PT90S"),
        (timedelta(minutes=90), "PT90M"),
    ],
)
def test_the_refresh_interval_is_a_duration(interval: timedelta, written: str) -> None:
    calendar = parse(feed([], refresh_interval=interval))
    assert calendar.refresh_interval == interval
    assert str(calendar["X-PUBLISHED-TTL"]) == written


@pytest.mark.parametrize("interval", [timedelta(0), timedelta(seconds=-60), timedelta(seconds=1.5)])
def test_a_refresh_interval_must_be_positive_whole_seconds(interval: timedelta) -> None:
    with pytest.raises(ValueError, match="whole number of seconds"):
        feed([], refresh_interval=interval)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        feed([entry(created_at=datetime(2030, 1, 1, 9))])  # noqa: DTZ001


@given(st.text(st.characters(blacklist_characters="\x00"), max_size=200))
def test_any_title_yields_a_valid_feed_that_keeps_it(title: str) -> None:
    assert summary_of(title) == shown(title)


def test_the_etag_is_a_strong_entity_tag_that_depends_on_the_inputs_only() -> None:
    entries = [entry(f"Booking {n}") for n in range(3)]
    tag = etag(entries)
    assert ETAG.match(tag)
    assert etag([replace(e) for e in entries]) == tag


def test_the_etag_changes_with_what_the_body_depends_on() -> None:
    entries = [entry(f"Booking {n}") for n in range(3)]
    bumped = [entries[0], replace(entries[1], version=2), entries[2]]
    variants = [
        etag(entries),
        etag(bumped),
        etag(entries[:2]),
        etag([*entries, entry()]),
        etag(entries[::-1]),
        etag([]),
        etag(entries, uid_host="other.example"),
        etag(entries, calendar_name="Other"),
        etag(entries, refresh_interval=timedelta(hours=1)),
        # The two strings are framed: moving text from one to the other changes the tag.
        etag(entries, uid_host="a", calendar_name="bc"),
        etag(entries, uid_host="ab", calendar_name="c"),
    ]
    assert len(set(variants)) == len(variants)


def test_the_etag_stands_on_ids_and_versions() -> None:
    # Every change of a booking bumps its version: fields changed without it go unnoticed.
    booking = entry("Before")
    retitled = replace(booking, title="After", updated_at=UPDATED + timedelta(hours=1))
    assert etag([retitled]) == etag([booking])
    moved = replace(booking, id=UUID(int=booking.id.int ^ 1))
    assert etag([moved]) != etag([booking])
