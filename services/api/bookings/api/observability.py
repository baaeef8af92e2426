"""Request ids, access logs and request metrics, around every request the app answers.

It wraps the app's whole ASGI handler rather than being route middleware, because Litestar runs
route middleware only after routing: unknown paths (404) and wrong methods (405) would go
unseen. It runs after routing has filled in `path_template`, so metrics are labelled by route
template (bounded), never by raw path.
"""

from __future__ import annotations

import itertools
import os
import re
import time
from collections.abc import Iterator
from typing import Any, cast

import structlog
from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send

from bookings.api.metrics import Metrics

REQUEST_ID_HEADER = b"x-request-id"
RATE_LIMIT_STATE = "rate_limit_headers"
# A client's id is echoed and logged, so only a short, plain token is taken as it is.
_ACCEPTED_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
ACCESS_LOGGER = "bookings.api.access"


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self._app = app
        self._metrics = metrics
        # Bound once, with the logging configuration of the process (see bookings.runtime.logs).
        self._access_log = structlog.get_logger(ACCESS_LOGGER).bind()
        self._new_request_id = _request_ids()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # type: ignore[comparison-overlap]  # lifespan is typed out
            await self._app(scope, receive, send)
            return
        http_scope = cast(HTTPScope, scope)
        request_id = _client_request_id(http_scope) or next(self._new_request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", ()))
                headers.append((REQUEST_ID_HEADER, request_id.encode()))
                extra: dict[str, str] | None = scope.get("state", {}).get(RATE_LIMIT_STATE)
                if extra:
                    headers.extend((k.lower().encode(), v.encode()) for k, v in extra.items())
                message["headers"] = headers
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self._app(scope, receive, send_with_headers)
            finally:
                elapsed = time.perf_counter() - started
                route = scope.get("path_template") or "unmatched"
                method = method_label(http_scope["method"])
                self._metrics.observe_request(method, route, status, elapsed)
                self._access_log.info(
                    "request",
                    method=method,
                    route=route,
                    status=status,
                    duration_ms=round(elapsed * 1000, 2),
                )


# RFC 9110's methods plus PATCH; any other token a client sends is one label, so that
# neither metrics nor logs grow a series per invented method.
_KNOWN_METHODS = frozenset(
    ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT")
)


def method_label(method: str) -> str:
    return method if method in _KNOWN_METHODS else "OTHER"


def _client_request_id(scope: HTTPScope) -> str | None:
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER and _ACCEPTED_ID.fullmatch(value):
            return value.decode()
    return None


def _request_ids() -> Iterator[str]:
    """Ids unique across processes and restarts: a random 64-bit prefix per app (each server
    process builds its own), then a counter; cheaper than a UUID per request."""
    prefix = os.urandom(8).hex()
    return (f"{prefix}{n:08x}" for n in itertools.count())


def set_rate_limit_headers(scope: Any, headers: dict[str, str]) -> None:
    """Asks for `RateLimit-*` headers on this request's response."""
    scope.setdefault("state", {})[RATE_LIMIT_STATE] = headers
