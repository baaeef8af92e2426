"""Where the webhook client may connect: the checks, and that a connection goes to the very
address the check passed (the resolver stands in for DNS, so that a name of our choosing
resolves to the loopback receiver)."""

from __future__ import annotations

import ipaddress

import httpcore
import pytest

from bookings.webhooks.signing import new_secret
from bookings.webhooks.targets import ForbiddenTarget, IpAddress
from bookings.worker.testing_webhook_receiver import Receiver, signed_headers
from bookings.worker.webhook_addresses import CheckedBackend, resolve_public


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "10.1.2.3", "169.254.169.254"])
def test_hosts_with_an_address_that_is_not_public_are_refused(host: str) -> None:
    with pytest.raises(ForbiddenTarget, match="non-public address"):
        resolve_public(host, 443)


def test_a_public_address_passes() -> None:
    assert resolve_public("93.184.215.14", 443) == [ipaddress.ip_address("93.184.215.14")]
    assert resolve_public("2606:4700:4700::1111", 443) == [
        ipaddress.ip_address("2606:4700:4700::1111")
    ]


async def test_a_connection_goes_to_the_checked_address_and_names_the_host(
    receiver: Receiver,
) -> None:
    secret = new_secret()
    port = int(receiver.base_url.rsplit(":", 1)[1])
    receiver.endpoint("/pinned", {"s": secret})
    asked: list[tuple[str, int]] = []

    def resolve(host: str, port: int) -> list[IpAddress]:
        asked.append((host, port))
        # The first address refuses connections: the next one is tried.
        return [ipaddress.ip_address("127.0.0.2"), ipaddress.ip_address("127.0.0.1")]

    body = b"{}"
    async with httpcore.AsyncConnectionPool(network_backend=CheckedBackend(resolve)) as pool:
        response = await pool.request(
            "POST",
            f"http://hooks.example:{port}/pinned",
            headers=list(signed_headers(secret, "msg_1", body).items()),
            content=body,
        )

    assert response.status == 200
    assert asked == [("hooks.example", port)]
    [request] = receiver.requests("/pinned")
    assert request.headers["host"] == f"hooks.example:{port}"
    assert request.verified_by == ("s",)


async def test_a_refused_host_is_never_connected_to() -> None:
    def resolve(host: str, port: int) -> list[IpAddress]:
        raise ForbiddenTarget(f"host {host!r} resolves to a non-public address")

    async with httpcore.AsyncConnectionPool(network_backend=CheckedBackend(resolve)) as pool:
        with pytest.raises(ForbiddenTarget, match="'rebound.example'"):
            await pool.request("POST", "https://rebound.example/hook", content=b"{}")
