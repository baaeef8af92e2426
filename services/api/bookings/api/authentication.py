"""Who is calling: the bearer token checked, the principal turned into a domain actor.

Used as Litestar dependencies, so a route states what it needs in its signature.
"""

from __future__ import annotations

from typing import Any

from litestar import Request

from bookings.api.errors import NoUsableRole
from bookings.api.services import Services
from bookings.auth import InvalidToken, Principal, Role, bearer_token
from bookings.domain.access import Actor

_BOOKING_ROLES = (Role.PROVIDER, Role.ADMIN)


def authenticate(request: Request[Any, Any, Any], services: Services) -> Principal:
    """The verified principal of the request's bearer token, or AuthError (401)."""
    token = bearer_token(request.headers.get("authorization"))
    return services.verified_tokens.principal_of(token)


def actor_of(principal: Principal) -> Actor:
    """A provider acts as itself; an admin may act on any provider's bookings."""
    if "\x00" in principal.sub:
        # A signed token could still carry it, and PostgreSQL text cannot store it.
        raise InvalidToken("the sub claim must not contain NUL characters")
    if not principal.has_any_role(*_BOOKING_ROLES):
        raise NoUsableRole("the token grants neither the provider nor the admin role")
    return Actor(id=principal.sub, is_admin=principal.is_admin)
