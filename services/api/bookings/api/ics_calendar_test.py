"""The calendar feed's calendar and events, read back by the `icalendar` package and checked
byte by byte."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bookings.api.testing_ics import CREATED, UPDATED, entry, feed, parse

pytestmark = pytest.mark.usefixtures("_strict_icalendar_events")


def test_the_checks_catch_a_broken_event() -> None:
    """icalendar, made strict, refuses a malformed time; it would keep a bare CR, which the byte
    checks refuse (as they refuse long lines and split characters, which it also lets through)."""
    body = feed([entry()])
    with pytest.raises(ValueError, match="Expected datetime"):
        parse(body.replace(b"DTSTART:20301224T", b"DTSTART:2030-12-24T"))
    with pytest.raises(AssertionError):
        parse(body.replace(b"SUMMARY:Consultation", b"SUMMARY:Consul\rtation"))


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
