"""The worker's metrics endpoint, on a socket that listens before any role runs.

Binding first makes a taken port one line naming METRICS_PORT. Under the supervisor, a child
process serves the supervisor's socket, so that the supervisor itself keeps to one thread
(see forked.py).
"""

from __future__ import annotations

import socket
import threading
from http.server import ThreadingHTTPServer

from prometheus_client import CollectorRegistry, MetricsHandler

from bookings.runtime.env import ConfigError
from bookings.worker.settings import WorkerSettings


def listen_for_metrics(settings: WorkerSettings) -> socket.socket | None:
    """The listening socket of the metrics endpoint; None when METRICS_PORT is 0."""
    host, port = settings.metrics_host, settings.metrics_port
    if not port:
        return None
    where = f"{host}:{port}"
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    except OSError as error:
        raise ConfigError("METRICS_HOST", f"cannot listen on {where}: {error.strerror}") from None
    try:
        return socket.create_server((host, port), family=family)
    except OSError as error:
        raise ConfigError("METRICS_PORT", f"cannot listen on {where}: {error.strerror}") from None


class MetricsServer(ThreadingHTTPServer):
    """Answers every GET with the samples of `registry`, on a socket that listens already."""

    def __init__(self, listener: socket.socket, registry: CollectorRegistry) -> None:
        handler = MetricsHandler.factory(registry)
        super().__init__(listener.getsockname()[:2], handler, bind_and_activate=False)
        self.socket.close()  # the unbound one made above
        self.socket = listener

    def serve_in_background(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="metrics", daemon=True)
        thread.start()
        return thread
