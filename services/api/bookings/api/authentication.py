"""Who is calling: the bearer token checked, the principal turned into a domain actor.

Runs as a guard, before Litestar reads the body: an unauthenticated client learns nothing
about what its body would have done, and its failure is counted (per client address) before
any work is spent on the request.
"""

from __future__ import annotations

from typing import Any, cast

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import HTTPScope

from bookings.api.app_state import AppState
from bookings.api.errors import NoUsableRole
from bookings.api.observability import set_rate_limit_headers
from bookings.api.rate_limit import Bucket
from bookings.auth import AuthError, Principal, Role, bearer_token
from bookings.domain.access import Actor

APP_STATE_KEY = "app_state"
ACTOR_STATE_KEY = "actor"
_BOOKING_ROLES = (Role.PROVIDER, Role.ADMIN)


def app_state_of(connection: ASGIConnection[Any, Any, Any, Any]) -> AppState:
    app_state: AppState = connection.app.state[APP_STATE_KEY]
    return app_state


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    return connection.client.host if connection.client else "unknown"


async def requires_booking_actor(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard: a verified token with a booking role, within its rate limit; the actor is kept
    in the request's state for the `actor` dependency."""
    principal = await _caller(connection)
    if principal is not None:
        _keep_actor(connection, actor_of(principal))


async def requires_caller(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard: a verified token, whatever its roles (a booking app reading free slots), within
    its rate limit; kept as an actor that is an admin only if the token says so."""
    principal = await _caller(connection)
    if principal is not None:
        _keep_actor(connection, Actor(id=principal.sub, is_admin=principal.is_admin))


async def _caller(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    """The request's verified principal, counted against its rate limit; None for OPTIONS."""
    method = _method_of(connection)
    if method == "OPTIONS":
        # An OPTIONS answer only lists a path's methods, which the OpenAPI document publishes
        # anyway; it needs no caller.
        return None
    app_state = app_state_of(connection)
    try:
        principal = authenticate(connection, app_state)
    except AuthError:
        # A failure costs the caller's address one request of its budget; past it, 429.
        await app_state.rate_limiter.check(Bucket.AUTH_FAILURES, client_address(connection))
        raise
    # Counted before the role check, so that a token without a usable role is limited too.
    bucket = Bucket.READS if method in ("GET", "HEAD") else Bucket.WRITES
    decision = await app_state.rate_limiter.check(bucket, principal.sub)
    if decision is not None:
        set_rate_limit_headers(connection.scope, decision.headers())
    return principal


def _keep_actor(connection: ASGIConnection[Any, Any, Any, Any], actor: Actor) -> None:
    connection.scope.setdefault("state", {})[ACTOR_STATE_KEY] = actor


def _method_of(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    # The guard sits on HTTP routes only; the scope type says so to the type checker.
    return cast(HTTPScope, connection.scope)["method"]


def authenticate(connection: ASGIConnection[Any, Any, Any, Any], app_state: AppState) -> Principal:
    """The verified principal of the request's bearer token, or AuthError (401)."""
    token = bearer_token(connection.headers.get("authorization"))
    return app_state.verified_tokens.principal_of(token)


def actor_of(principal: Principal) -> Actor:
    """A provider acts as itself; an admin may act on any provider's bookings."""
    if not principal.has_any_role(*_BOOKING_ROLES):
        raise NoUsableRole("the token grants neither the provider nor the admin role")
    return Actor(id=principal.sub, is_admin=principal.is_admin)
