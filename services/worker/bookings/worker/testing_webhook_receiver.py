"""A webhook receiver for the tests: a real HTTP server on 127.0.0.1 that verifies every request
with the `standardwebhooks` package (not with our signing code), records it, and answers as the
test tells it to (status, headers, body, after a delay)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from bookings.webhooks.signing import secret_key, signature_header


@dataclass(frozen=True)
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    delay_s: float = 0.0  # before answering (longer than the sender's timeout: no answer)


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes
    at: float  # time.monotonic() on arrival
    verified_by: tuple[str, ...]  # names of the secrets whose signature verified


Answer = Callable[[int], Reply]  # the reply to the n-th request on a path (from 1)


def always(reply: Reply) -> Answer:
    return lambda n: reply


def first(count: int, reply: Reply, then: Reply) -> Answer:
    return lambda n: reply if n <= count else then


@dataclass
class _Route:
    secrets: dict[str, str]
    answer: Answer
    count: int = 0
    running: int = 0
    most_running: int = 0


class _Server(ThreadingHTTPServer):
    # Connections a sender opens at once wait to be accepted: with the default backlog of 5,
    # the kernel would drop some and the client would try again only a second later.
    request_queue_size = 128
    daemon_threads = True
    block_on_close = False


class Receiver:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self._routes: dict[str, _Route] = {}
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def endpoint(self, path: str, secrets: dict[str, str], answer: Answer | None = None) -> str:
        """The URL of a new path, verified with each of `secrets` (name: `whsec_...`)."""
        with self._lock:
            self._routes[path] = _Route(dict(secrets), answer or always(Reply()))
        return self.base_url + path

    def requests(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.path == path]

    def most_running(self, path: str) -> int:
        with self._lock:
            return self._routes[path].most_running

    def wait_for(self, predicate: Callable[[], object], *, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.02)

    def close(self) -> None:
        self._closing.set()  # replies still waiting out a delay are dropped
        self._server.shutdown()
        self._server.server_close()

    def _handle(self, path: str, headers: dict[str, str], body: bytes) -> Reply:
        with self._lock:
            route = self._routes.get(path)
            if route is None:
                return Reply(404)
            verified = tuple(
                name for name, secret in route.secrets.items() if _verifies(secret, headers, body)
            )
            self.received.append(Received(path, headers, body, time.monotonic(), verified))
            route.count += 1
            route.running += 1
            route.most_running = max(route.most_running, route.running)
            reply = route.answer(route.count) if verified else Reply(401)
        try:
            self._closing.wait(reply.delay_s)
        finally:
            with self._lock:
                route.running -= 1
        return reply


def _verifies(secret: str, headers: dict[str, str], body: bytes) -> bool:
    try:
        Webhook(secret).verify(body, headers)
    except WebhookVerificationError:
        return False
    return True


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real receivers

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {name.lower(): value for name, value in self.headers.items()}
            reply = receiver._handle(self.path, headers, body)
            try:
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
            except OSError:
                pass  # the sender gave up waiting

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


def signed_headers(secret: str, message_id: str, body: bytes) -> dict[str, str]:
    """The headers of a request that `secret` signs, as a Standard Webhooks sender sends them."""
    sent_at = int(time.time())
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(sent_at),
        "webhook-signature": signature_header([secret_key(secret)], message_id, sent_at, body),
    }
