"""HTTP for webhook deliveries: an httpx client whose connections go only where they may.

In production a request must be `https`, and every new connection resolves the endpoint's host
itself and connects only to the public addresses it found (`webhook_addresses`): a name cannot
resolve to a public address for the check and to an internal one for the connection (DNS
rebinding). The URL keeps the host name, so TLS sends it (SNI) and verifies the certificate
against it, and `Host` names it. Connections are pooled per endpoint, and within a pool per
origin (scheme, host name, port): a kept-alive connection only ever serves the host it was
opened, and checked, for. Elsewhere (development, tests) any address is allowed. A refused
target raises `ForbiddenTarget`; redirects are never followed, proxies from the environment
never used.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Final

import httpcore
import httpx

from bookings.webhooks.targets import ForbiddenTarget
from bookings.worker.webhook_addresses import CheckedBackend, Resolver, resolve_public

KEEPALIVE_EXPIRY_S: Final = 30.0
SWEEP_EVERY_S: Final = 10.0
# The request extension that names the pool a request's connection comes from.
POOL: Final = "bookings.webhook_pool"

# Most specific first: the first class an error is an instance of names its httpx counterpart.
_ERRORS: Final[tuple[tuple[type[Exception], type[httpx.TransportError]], ...]] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
)


@dataclass
class _Pool:
    connections: httpcore.AsyncConnectionPool
    in_use: int = 0  # requests whose response is not closed yet
    last_used: float = field(default_factory=time.monotonic)


class WebhookTransport(httpx.AsyncBaseTransport):
    """httpcore's connection pools behind httpx, over a backend of our choosing: one pool per
    value of the request extension `POOL` (the sender gives each endpoint its own), else per
    origin. httpcore's pool does work per request that grows with the square of its connections,
    so one pool of 64 costs milliseconds per request while pools of a few cost nothing; and an
    endpoint's connections then serve it alone. Pools unused for longer than the keep-alive
    expiry are closed."""

    def __init__(
        self, *, connections_per_pool: int, production: bool, resolve: Resolver = resolve_public
    ) -> None:
        self._https_only = production
        self._ssl_context = httpx.create_ssl_context()
        self._backend = CheckedBackend(resolve) if production else None
        self._connections_per_pool = connections_per_pool
        self._pools: dict[Hashable, _Pool] = {}
        self._next_sweep = time.monotonic() + SWEEP_EVERY_S

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._https_only and request.url.scheme != "https":
            raise ForbiddenTarget("must use https")
        assert isinstance(request.stream, httpx.AsyncByteStream)  # noqa: S101 (httpx's own)
        url = request.url
        key = request.extensions.get(POOL) or (url.raw_scheme, url.raw_host, url.port)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions={k: v for k, v in request.extensions.items() if k != POOL},
        )
        await self._sweep()
        pool = self._pool(key)
        pool.in_use += 1
        try:
            with _httpx_errors():
                response = await pool.connections.handle_async_request(core_request)
        except BaseException:
            _release(pool)
            raise
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response, pool),
            extensions=response.extensions,
        )

    def _pool(self, key: Hashable) -> _Pool:
        pool = self._pools.get(key)
        if pool is None:
            pool = self._pools[key] = _Pool(
                httpcore.AsyncConnectionPool(
                    ssl_context=self._ssl_context,
                    max_connections=self._connections_per_pool,
                    max_keepalive_connections=self._connections_per_pool,
                    keepalive_expiry=KEEPALIVE_EXPIRY_S,
                    network_backend=self._backend,
                )
            )
        return pool

    async def _sweep(self) -> None:
        now = time.monotonic()
        if now < self._next_sweep:
            return
        self._next_sweep = now + SWEEP_EVERY_S
        unused = [
            key
            for key, pool in self._pools.items()
            if not pool.in_use and now - pool.last_used > KEEPALIVE_EXPIRY_S
        ]
        for key in unused:
            await self._pools.pop(key).connections.aclose()

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            await pool.connections.aclose()


def _release(pool: _Pool) -> None:
    pool.in_use -= 1
    pool.last_used = time.monotonic()


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(self, response: httpcore.Response, pool: _Pool) -> None:
        self._response = response
        self._pool: _Pool | None = pool

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _httpx_errors():
            async for part in self._response.aiter_stream():
                yield part

    async def aclose(self) -> None:
        try:
            await self._response.aclose()
        finally:
            if self._pool is not None:
                _release(self._pool)
                self._pool = None


@contextmanager
def _httpx_errors() -> Iterator[None]:
    """httpcore's errors as httpx's (anything else, ForbiddenTarget included, as it is)."""
    try:
        yield
    except Exception as error:
        for core, mapped in _ERRORS:
            if isinstance(error, core):
                raise mapped(str(error) or type(error).__name__) from error
        raise


def webhook_client(
    *, connections_per_pool: int, production: bool, timeout_s: float
) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=WebhookTransport(
            connections_per_pool=connections_per_pool, production=production
        ),
        timeout=httpx.Timeout(timeout_s),
        follow_redirects=False,
        trust_env=False,
    )
