"""The ASGI application as the server loads it in each worker process (settings from env vars)."""

from __future__ import annotations

import gc

from litestar import Litestar

from bookings.api.app import create_app
from bookings.api.settings import ApiSettings
from bookings.domain.working_hours import time_zone
from bookings.runtime.logs import configure_logging


def app_from_env() -> Litestar:
    settings = ApiSettings.from_env()
    configure_logging(settings.common.log_level, settings.common.log_format, service="api")
    app = create_app(settings)
    # Lists the known time zones now (about 20 ms), not in the first schedule or slots request.
    time_zone("UTC")
    # Everything built so far (modules, the app, its schemas) lives as long as the process:
    # move it out of the cyclic collector's sight, so that its full collections, which would
    # otherwise walk all of it, stop showing up as tail latency under load.
    gc.freeze()
    return app
