"""The calendar feed's ETag: a strong entity tag that changes with what the body depends on."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from uuid import UUID

from bookings.api.testing_ics import UPDATED, entry, etag

ETAG = re.compile(r'^"[0-9a-f]{32}"$')


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
