"""`POST /auth/login`: tokens for anyone who asks, so development and tests only.

The app leaves this route out entirely in production, so it answers 404 there.
"""

from __future__ import annotations

from litestar import post
from litestar.exceptions import ValidationException
from litestar.params import JSONBody

from bookings.api.bodies import requires_json_body
from bookings.api.dependencies import ServicesDep, limit_by_client_ip
from bookings.api.openapi import problems
from bookings.api.schemas import LoginRequest, TokenResponse
from bookings.api.services import utc_now
from bookings.auth import Principal, Role, issue_token, subject_problem

_KNOWN_ROLES = {role.value for role in Role}


@post(
    "/auth/login",
    operation_id="login",
    summary="Get a token (development and test only)",
    description="Unknown roles are ignored. Not available in production (404).",
    tags=["auth"],
    status_code=200,
    # The limit comes first, so that even a malformed body is counted.
    guards=[limit_by_client_ip, requires_json_body],
    responses=problems(400, 415, 422, 429),
)
async def login(services: ServicesDep, data: JSONBody[LoginRequest]) -> TokenResponse:
    # The rules every service applies to a token's `sub` (bookings.auth.subjects).
    problem = subject_problem(data.sub)
    if problem is not None:
        raise ValidationException(extra=[{"key": "sub", "message": problem}])
    principal = Principal(
        sub=data.sub, roles=frozenset(Role(r) for r in data.roles if r in _KNOWN_ROLES)
    )
    issued = issue_token(principal, services.settings.tokens, now=utc_now())
    return TokenResponse.of(issued)
