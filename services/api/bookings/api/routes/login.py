"""`POST /auth/login`: tokens for anyone who asks, so development and tests only.

The app leaves this route out entirely in production, so it answers 404 there.
"""

from __future__ import annotations

from litestar import post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import ValidationException
from litestar.params import JSONBody

from bookings.api.dependencies import ServicesDep, limit_by_client_ip
from bookings.api.openapi import problems
from bookings.api.schemas import LoginRequest, TokenResponse
from bookings.api.services import utc_now
from bookings.auth import Principal, Role, issue_token

_KNOWN_ROLES = {role.value for role in Role}


@post(
    "/auth/login",
    operation_id="login",
    summary="Get a token (development and test only)",
    description="Unknown roles are ignored. Not available in production (404).",
    tags=["auth"],
    status_code=200,
    dependencies={"rate_limited": Provide(limit_by_client_ip)},
    responses=problems(400, 422, 429),
)
async def login(
    services: ServicesDep, rate_limited: NamedDependency[None], data: JSONBody[LoginRequest]
) -> TokenResponse:
    if not data.sub.strip():
        raise ValidationException(extra=[{"key": "sub", "message": "must not be blank"}])
    principal = Principal(
        sub=data.sub, roles=frozenset(Role(r) for r in data.roles if r in _KNOWN_ROLES)
    )
    issued = issue_token(principal, services.settings.tokens, now=utc_now())
    return TokenResponse.of(issued)
