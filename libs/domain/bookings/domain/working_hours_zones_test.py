"""`time_zone`: known IANA names are zones; anything else is refused without touching a file."""

from __future__ import annotations

import contextlib
import zoneinfo
from zoneinfo import ZoneInfo

import pytest

from bookings.domain import working_hours
from bookings.domain.errors import UnknownTimeZone
from bookings.domain.working_hours import time_zone


@pytest.mark.parametrize("name", ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"])
def test_a_known_iana_name_is_a_zone(name: str) -> None:
    assert time_zone(name) is ZoneInfo(name)


HOSTILE_NAMES = [
    "",
    "../../etc/passwd",
    "/etc/localtime",
    "/usr/share/zoneinfo/UTC",
    "Europe/../Europe/Berlin",
    "Europe/Berlin\x00",
    "UTC\x00../../etc/passwd",
    "Europe/Berlin/",
    "europe/berlin",
    "localtime",
    "Factory",
    "posixrules",
    "posix/Europe/Berlin",
    "right/UTC",
    ".",
    "Europe",
    "x" * 10_000,
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_hostile_name_is_refused_without_being_opened(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setattr(working_hours, "ZoneInfo", opened.append)
    with pytest.raises(UnknownTimeZone) as caught:
        time_zone(name)
    assert opened == []
    assert len(caught.value.message) < 120


def test_the_known_names_are_listed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    listings: list[None] = []
    real_listing = zoneinfo.available_timezones

    def counted_listing() -> set[str]:
        listings.append(None)
        return real_listing()

    monkeypatch.setattr(zoneinfo, "available_timezones", counted_listing)
    working_hours._zone_names.cache_clear()
    for name in ["UTC", "Europe/Berlin", "Nowhere/Atlantis", "UTC"]:
        with contextlib.suppress(UnknownTimeZone):
            time_zone(name)
    assert len(listings) == 1
