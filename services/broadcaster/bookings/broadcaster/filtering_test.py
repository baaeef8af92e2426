"""Who receives what: a provider only its own bookings' events, an admin all of them, or one
provider's with `?providerId=`."""

from __future__ import annotations

from websockets.asyncio.client import connect

from bookings.broadcaster.conftest import Publish, Token, Wire
from bookings.broadcaster.server import Broadcaster


async def test_provider_receives_only_its_own_bookings_and_admin_receives_all(
    ws_url: str, broadcaster: Broadcaster, token: Token, publish: Publish, wire: type[Wire]
) -> None:
    async with (
        connect(f"{ws_url}?token={token('prov-a', 'provider')}") as a,
        connect(f"{ws_url}?token={token('prov-b', 'provider')}") as b,
        connect(f"{ws_url}?token={token('root', 'admin')}") as admin,
    ):
        await wire.registered(broadcaster, 3)
        for_a = await publish("prov-a")
        for_b = await publish("prov-b", event="booking.cancelled")
        for_a_again = await publish("prov-a", event="booking.rescheduled")

        assert await wire.frames(a, 2) == [for_a, for_a_again]
        assert await wire.frames(b, 1) == [for_b]
        assert await wire.frames(admin, 3) == [for_a, for_b, for_a_again]
        assert await wire.silent(a)
        assert await wire.silent(b)


async def test_frames_carry_channel_id_time_and_booking_data(
    ws_url: str, broadcaster: Broadcaster, token: Token, publish: Publish, wire: type[Wire]
) -> None:
    async with connect(f"{ws_url}?token={token('prov-a', 'provider')}") as ws:
        await wire.registered(broadcaster, 1)
        entry_id = await publish("prov-a", event="booking.reminder", title="Check-up")
        frame = await wire.frame(ws)
    assert list(frame) == ["event", "id", "eventId", "occurredAt", "data"]
    assert frame["event"] == "booking.reminder"
    assert frame["id"] == entry_id
    assert frame["occurredAt"].endswith("Z")
    assert frame["data"]["providerId"] == "prov-a"
    assert frame["data"]["title"] == "Check-up"


async def test_admin_with_provider_id_watches_that_provider_only(
    ws_url: str, broadcaster: Broadcaster, token: Token, publish: Publish, wire: type[Wire]
) -> None:
    async with connect(f"{ws_url}?token={token('root', 'admin')}&providerId=prov-b") as ws:
        await wire.registered(broadcaster, 1)
        await publish("prov-a")
        for_b = await publish("prov-b")
        assert await wire.frames(ws, 1) == [for_b]
        assert await wire.silent(ws)


async def test_provider_naming_itself_in_provider_id_is_allowed(
    ws_url: str, broadcaster: Broadcaster, token: Token, publish: Publish, wire: type[Wire]
) -> None:
    async with connect(f"{ws_url}?token={token('prov-a', 'provider')}&providerId=prov-a") as ws:
        await wire.registered(broadcaster, 1)
        await publish("prov-b")
        for_a = await publish("prov-a")
        assert await wire.frames(ws, 1) == [for_a]


async def test_an_event_without_a_provider_reaches_admins_only(
    ws_url: str, broadcaster: Broadcaster, token: Token, publish: Publish, wire: type[Wire]
) -> None:
    async with (
        connect(f"{ws_url}?token={token('prov-a', 'provider')}") as provider,
        connect(f"{ws_url}?token={token('root', 'admin')}") as admin,
    ):
        await wire.registered(broadcaster, 2)
        entry_id = await publish("prov-a", providerId=None)
        assert await wire.frames(admin, 1) == [entry_id]
        assert await wire.silent(provider)
