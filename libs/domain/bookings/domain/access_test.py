from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bookings.domain.access import Actor
from bookings.domain.errors import Forbidden
from bookings.domain.model import Booking

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
PROVIDER = Actor(id="p-1")
OTHER_PROVIDER = Actor(id="p-2")
ADMIN = Actor(id="admin-1", is_admin=True)


def booking_of(provider_id: str) -> Booking:
    return Booking.create(
        provider_id=provider_id,
        title="Haircut",
        start_time=NOW + timedelta(days=1),
        end_time=NOW + timedelta(days=1, hours=1),
        now=NOW,
        reminder_lead=timedelta(minutes=10),
    )


def test_an_actor_is_a_provider_unless_marked_admin() -> None:
    assert not Actor(id="p-1").is_admin


def test_a_provider_sees_its_own_bookings() -> None:
    assert PROVIDER.can_see(booking_of("p-1"))


def test_a_provider_does_not_see_another_providers_bookings() -> None:
    assert not PROVIDER.can_see(booking_of("p-2"))
    assert not OTHER_PROVIDER.can_see(booking_of("p-1"))


def test_an_admin_sees_every_booking() -> None:
    assert ADMIN.can_see(booking_of("p-1"))
    assert ADMIN.can_see(booking_of("p-2"))


@pytest.mark.parametrize("requested", [None, "p-1"])
def test_a_provider_books_for_itself(requested: str | None) -> None:
    assert PROVIDER.provider_to_book_for(requested) == "p-1"


def test_a_provider_may_not_book_for_another_provider() -> None:
    with pytest.raises(Forbidden):
        PROVIDER.provider_to_book_for("p-2")


def test_an_admin_may_book_for_any_provider() -> None:
    assert ADMIN.provider_to_book_for("p-2") == "p-2"
    assert ADMIN.provider_to_book_for("p-1") == "p-1"


def test_an_admin_books_for_itself_when_no_provider_is_named() -> None:
    assert ADMIN.provider_to_book_for(None) == "admin-1"


@pytest.mark.parametrize("requested", [None, "p-1"])
def test_a_provider_lists_only_its_own_bookings(requested: str | None) -> None:
    assert PROVIDER.provider_filter(requested) == "p-1"


def test_a_provider_may_not_list_another_providers_bookings() -> None:
    with pytest.raises(Forbidden):
        PROVIDER.provider_filter("p-2")


def test_an_admin_lists_everyones_bookings_unless_filtering() -> None:
    assert ADMIN.provider_filter(None) is None
    assert ADMIN.provider_filter("p-2") == "p-2"
