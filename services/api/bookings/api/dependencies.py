"""Litestar dependencies: the app's services, the caller, and its rate limit, per request."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide

from bookings.api.authentication import actor_of, authenticate
from bookings.api.observability import set_rate_limit_headers
from bookings.api.rate_limit import Bucket
from bookings.api.services import Services
from bookings.domain.access import Actor

SERVICES_STATE_KEY = "services"
# Handlers name what they need by parameter name: `services`, `actor`.
ServicesDep = NamedDependency[Services]
ActorDep = NamedDependency[Actor]


def provide_services(request: Request[Any, Any, Any]) -> Services:
    services: Services = request.app.state[SERVICES_STATE_KEY]
    return services


async def provide_actor(request: Request[Any, Any, Any], services: ServicesDep) -> Actor:
    """The caller as a domain actor, once its token, role and rate limit allow the request.

    One dependency rather than a chain (token -> principal -> actor): each resolution costs
    about as much as the token check itself.
    """
    principal = authenticate(request, services)
    actor = actor_of(principal)
    bucket = Bucket.READS if request.method in ("GET", "HEAD") else Bucket.WRITES
    decision = await services.rate_limiter.check(bucket, principal.sub)
    if decision is not None:
        set_rate_limit_headers(request.scope, decision.headers())
    return actor


async def limit_by_client_ip(request: Request[Any, Any, Any], services: ServicesDep) -> None:
    """Anonymous routes are limited per client address."""
    client = request.client.host if request.client else "unknown"
    decision = await services.rate_limiter.check(Bucket.LOGIN, client)
    if decision is not None:
        set_rate_limit_headers(request.scope, decision.headers())


APP_DEPENDENCIES = {"services": Provide(provide_services, sync_to_thread=False)}
BOOKING_DEPENDENCIES = {"actor": Provide(provide_actor)}
