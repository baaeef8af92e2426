"""Entry point of the broadcaster process: settings from env vars, logging, then serve."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable

from bookings.auth.settings import warn_about_open_audience
from bookings.broadcaster.process import serve_until_terminated
from bookings.broadcaster.settings import BroadcasterSettings
from bookings.runtime.entrypoint import run
from bookings.runtime.env import Env
from bookings.runtime.logs import configure_logging

SERVICE = "broadcaster"


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop when installed (the packaged binary has it): cheaper fan-out to many sockets."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def serve() -> int:
    settings = BroadcasterSettings.from_env(Env())
    configure_logging(settings.common.log_level, settings.common.log_format, service=SERVICE)
    warn_about_open_audience(settings.tokens, production=settings.common.is_production)
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        runner.run(serve_until_terminated(settings))
    return 0


def main() -> int:
    return run(SERVICE, serve)


if __name__ == "__main__":
    sys.exit(main())
