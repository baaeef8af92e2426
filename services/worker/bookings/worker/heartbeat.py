"""Role heartbeats in Redis, read by `worker health`.

A role's loop calls `beat()` (cheap: it only notes the time); a thread writes a key with a TTL
while the last beat is recent. A role that crashed or hangs stops beating, its key expires, and
the health check fails. Keys carry the host name, so each container checks its own roles.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time

import redis
import structlog

from bookings.worker.roles import Role

log = structlog.get_logger(__name__)

KEY_TTL_S = 30
WRITE_EVERY_S = 5.0


def heartbeat_key(role: Role, host: str | None = None) -> str:
    return f"bookings:worker:alive:{host or socket.gethostname()}:{role.value}"


class Heartbeat:
    def __init__(self, client: redis.Redis, role: Role, *, stall_after_s: float) -> None:
        self._client = client
        self._key = heartbeat_key(role)
        self._stall_after_s = stall_after_s
        self._last_beat = time.monotonic()

    def beat(self) -> None:
        self._last_beat = time.monotonic()

    def start(self, stop: threading.Event) -> threading.Thread:
        thread = threading.Thread(target=self._run, args=(stop,), name="heartbeat", daemon=True)
        thread.start()
        return thread

    def _run(self, stop: threading.Event) -> None:
        while True:
            if time.monotonic() - self._last_beat < self._stall_after_s:
                try:
                    self._client.set(self._key, os.getpid(), ex=KEY_TTL_S)
                except redis.RedisError as error:
                    log.debug("heartbeat not written", error=repr(error))
            if stop.wait(WRITE_EVERY_S):
                break
        with contextlib.suppress(redis.RedisError):  # it expires on its own
            self._client.delete(self._key)
