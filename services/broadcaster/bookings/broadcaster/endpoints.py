"""Plain HTTP on the WebSocket port, answered during the opening handshake (`process_request`):
`/health` (the process is up), `/health/ready` (the event stream is followed), `/metrics`.
Only `/ws` goes on to become a WebSocket, unless the process already holds as many connections
as it may (503); any other path is a 404. Health and metrics are answered even then."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from urllib.parse import urlsplit

from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from bookings.broadcaster.metrics import Metrics

WS_PATH = "/ws"

ProcessRequest = Callable[[ServerConnection, Request], Response | None]


def _response(status: HTTPStatus, body: bytes, content_type: str) -> Response:
    headers = Headers([("Content-Type", content_type), ("Content-Length", str(len(body)))])
    # The connection ends after this one response; say so, as an HTTP/1.1 server should.
    headers["Connection"] = "close"
    return Response(status.value, status.phrase, headers, body)


def _json(status: HTTPStatus, body: bytes) -> Response:
    return _response(status, body, "application/json")


def process_request(
    metrics: Metrics, is_ready: Callable[[], bool], has_room: Callable[[], bool]
) -> ProcessRequest:
    def handle(connection: ServerConnection, request: Request) -> Response | None:
        path = urlsplit(request.path).path
        if path == WS_PATH:
            if has_room():
                return None
            metrics.connections_refused.labels(limit="total").inc()
            body = b'{"status":"unavailable","reason":"too many connections"}'
            return _json(HTTPStatus.SERVICE_UNAVAILABLE, body)
        if path == "/health":
            return _json(HTTPStatus.OK, b'{"status":"ok"}')
        if path == "/health/ready":
            if is_ready():
                return _json(HTTPStatus.OK, b'{"status":"ready"}')
            return _json(HTTPStatus.SERVICE_UNAVAILABLE, b'{"status":"unavailable"}')
        if path == "/metrics":
            return _response(HTTPStatus.OK, metrics.render(), metrics.content_type)
        return _json(HTTPStatus.NOT_FOUND, b'{"status":"not found"}')

    return handle
