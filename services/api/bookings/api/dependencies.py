"""Litestar dependencies and guards: the app's state, the caller, and its rate limit."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency, Provide
from litestar.handlers.base import BaseRouteHandler

from bookings.api.app_state import AppState
from bookings.api.authentication import ACTOR_STATE_KEY, app_state_of, client_address
from bookings.api.observability import set_rate_limit_headers
from bookings.api.rate_limit import Bucket
from bookings.domain.access import Actor

# Handlers name what they need by parameter name: `app_state`, `actor`.
AppStateDep = NamedDependency[AppState]
ActorDep = NamedDependency[Actor]


def provide_app_state(request: Request[Any, Any, Any]) -> AppState:
    return app_state_of(request)


def provide_actor(request: Request[Any, Any, Any], app_state: AppStateDep) -> Actor:
    """The caller, as the `requires_booking_actor` guard found it.

    It takes `app_state` (unused) so that Litestar resolves the two one after the other:
    dependencies that do not depend on each other are resolved concurrently, in a task group
    per request, which costs more than both dependencies together.
    """
    actor: Actor = request.scope["state"][ACTOR_STATE_KEY]
    return actor


async def limit_by_client_ip(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard: anonymous routes are limited per client address, before the body is read."""
    app_state = app_state_of(connection)
    decision = await app_state.rate_limiter.check(Bucket.LOGIN, client_address(connection))
    if decision is not None:
        set_rate_limit_headers(connection.scope, decision.headers())


APP_DEPENDENCIES = {"app_state": Provide(provide_app_state, sync_to_thread=False)}
BOOKING_DEPENDENCIES = {"actor": Provide(provide_actor, sync_to_thread=False)}
