"""`api.pex`: serves the API with granian on HOST:PORT, configured by env vars only.

Settings are checked here, before any worker starts, so a bad value is one line on stderr and
exit status 2. Each worker process then builds its app from the same env (asgi.app_from_env).
"""

from __future__ import annotations

import sys
from contextlib import nullcontext

from granian.constants import Interfaces, Loops
from granian.log import LogLevels
from granian.server import Server

from bookings.api.settings import ApiSettings
from bookings.auth.settings import warn_about_open_audience
from bookings.runtime.entrypoint import run
from bookings.runtime.logs import configure_logging
from bookings.runtime.metrics_folder import multiprocess_metrics

APP_FACTORY = "bookings.api.asgi:app_from_env"


def serve() -> int:
    settings = ApiSettings.from_env()
    configure_logging(settings.common.log_level, settings.common.log_format, service="api")
    warn_about_open_audience(settings.tokens, production=settings.common.is_production)
    # Workers import the app, and with it prometheus_client, after the folder is named.
    metrics = multiprocess_metrics("api") if settings.workers > 1 else nullcontext()
    with metrics:
        server = Server(
            APP_FACTORY,
            address=settings.host,
            port=settings.port,
            interface=Interfaces.ASGI,
            factory=True,
            workers=settings.workers,
            loop=Loops.auto,  # uvloop when installed
            websockets=False,
            log_level=LogLevels(settings.common.log_level.lower()),
            # The server's own lines go through the root logger, so they are JSON like ours.
            log_dictconfig={"loggers": {"_granian": {"handlers": [], "propagate": True}}},
            # Graceful shutdown: a worker gets this long to finish in-flight requests.
            workers_kill_timeout=30,
        )
        server.serve()
    return 0


def main() -> int:
    return run("api", serve)


if __name__ == "__main__":
    sys.exit(main())
