"""The connections webhook deliveries may open: only to the public addresses the endpoint's host
resolved to when the connection is made (see `webhook_transport`)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from urllib.parse import SplitResult

import httpcore

from bookings.webhooks.targets import ForbiddenTarget, IpAddress, public_addresses

Resolver = Callable[[str, int], list[IpAddress]]
# httpcore's type of a socket option (`setsockopt` arguments).
SocketOption = (
    tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
)


def resolve_public(host: str, port: int) -> list[IpAddress]:
    """Every address of `host`; ForbiddenTarget unless all of them are public."""
    netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return public_addresses(SplitResult("https", netloc, "/", "", ""))


class CheckedBackend(httpcore.AsyncNetworkBackend):
    """Opens TCP connections only to addresses `resolve` returned for the host (it raises for
    a host that may not be reached), trying them in turn."""

    def __init__(self, resolve: Resolver) -> None:
        self._resolve = resolve
        self._backend = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        # In a thread: name resolution blocks. An attempt that times out stops waiting for it.
        addresses = await asyncio.to_thread(self._resolve, host, port)
        failure: Exception = httpcore.ConnectError(f"no address for {host}")
        for address in addresses:
            try:
                return await self._backend.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise ForbiddenTarget("must be a host on the network")

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)
