"""`create_app(settings)`: the Litestar application, with everything it uses built from settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.types import ControllerRouterHandler

from bookings.api.app_state import AppState
from bookings.api.authentication import APP_STATE_KEY
from bookings.api.bodies import StrictJsonRequest
from bookings.api.dependencies import APP_DEPENDENCIES
from bookings.api.head_requests import HeadLikeGet
from bookings.api.metrics import Metrics
from bookings.api.observability import ObservabilityMiddleware
from bookings.api.openapi import complete_document, openapi_config
from bookings.api.problems import handle_exception
from bookings.api.routes.bookings import BookingsController
from bookings.api.routes.calendar import calendar_feed
from bookings.api.routes.login import login
from bookings.api.routes.operations import health, metrics, ready
from bookings.api.routes.providers import ProvidersController
from bookings.api.routes.webhooks import WebhooksController
from bookings.api.settings import ApiSettings

API_VERSION = "1.0.0"


def create_app(settings: ApiSettings) -> Litestar:
    app_metrics = Metrics()
    app_state = AppState.build(settings, app_metrics)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        # The server stops taking requests and lets in-flight ones finish before this exits.
        await app_state.open()
        try:
            yield
        finally:
            await app_state.close()

    handlers: list[ControllerRouterHandler] = [
        BookingsController,
        WebhooksController,
        ProvidersController,
        calendar_feed,
        health,
        ready,
        metrics,
    ]
    if settings.login_enabled:
        handlers.append(login)
    app = Litestar(
        route_handlers=handlers,
        dependencies=APP_DEPENDENCIES,
        request_class=StrictJsonRequest,
        exception_handlers={Exception: handle_exception},
        openapi_config=openapi_config(API_VERSION),
        cors_config=(
            CORSConfig(allow_origins=list(settings.cors_origins), expose_headers=_EXPOSED)
            if settings.cors_origins
            else None
        ),
        lifespan=[lifespan],
        state=None,
        debug=False,
        # Litestar's own request logging would duplicate ours (observability.py).
        logging_config=None,
    )
    app.state[APP_STATE_KEY] = app_state
    # Built now (Litestar caches it) so that what it lacks can be added before it is served.
    complete_document(app.openapi_schema)
    # Wrapping the whole handler (not route middleware) sees unknown paths and 405s too.
    app.asgi_handler = ObservabilityMiddleware(HeadLikeGet(app.asgi_handler), app_metrics)
    return app


_EXPOSED = [
    "X-Request-ID",
    "Retry-After",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "RateLimit-Policy",
    "Idempotent-Replayed",
    "ETag",
]
