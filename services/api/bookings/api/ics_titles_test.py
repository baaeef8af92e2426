"""Titles in the calendar feed, read back by the `icalendar` package and checked byte by byte:
escaped, folded within 75 octets, never split or injected."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookings.api.ics import fold
from bookings.api.testing_ics import entry, feed, parse, physical_lines, shown, summary_of

pytestmark = pytest.mark.usefixtures("_strict_icalendar_events")


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


@given(st.text(st.characters(blacklist_characters="\x00"), max_size=200))
def test_any_title_yields_a_valid_feed_that_keeps_it(title: str) -> None:
    assert summary_of(title) == shown(title)
