"""Checking that a port is free before a server is started on it."""

from __future__ import annotations

import socket


class PortInUse(RuntimeError):
    pass


def require_free(port: int, *, what: str, override: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise PortInUse(
                f"port {port} ({what}) is in use: stop whatever listens there, or {override}"
            ) from None
