"""Keeping a loop alive through outages: run it again after a growing pause, until stopped."""

from __future__ import annotations

import threading
from collections.abc import Callable

import structlog

log = structlog.get_logger(__name__)

INITIAL_PAUSE_S = 0.2
MAX_PAUSE_S = 5.0


def run_until_stopped(
    name: str,
    loop: Callable[[], None],
    stop: threading.Event,
    *,
    initial_pause: float = INITIAL_PAUSE_S,
    max_pause: float = MAX_PAUSE_S,
) -> None:
    """Runs `loop` (which returns once `stop` is set) and runs it again whenever it raises.

    Outages (Redis or PostgreSQL down) raise from inside the loop; the pause doubles up to
    `max_pause` while they last, so a long outage costs a log line every few seconds.
    """
    pause = initial_pause
    while not stop.is_set():
        try:
            loop()
            pause = initial_pause
        except Exception as error:
            log.warning("loop failed; retrying", loop=name, error=repr(error), retry_in_s=pause)
            stop.wait(pause)
            pause = min(pause * 2, max_pause)
