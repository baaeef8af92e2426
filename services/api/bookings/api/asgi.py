"""The ASGI application as the server loads it in each worker process (settings from env vars)."""

from __future__ import annotations

from litestar import Litestar

from bookings.api.app import create_app
from bookings.api.settings import ApiSettings
from bookings.runtime.logs import configure_logging


def app_from_env() -> Litestar:
    settings = ApiSettings.from_env()
    configure_logging(settings.common.log_level, settings.common.log_format, service="api")
    return create_app(settings)
