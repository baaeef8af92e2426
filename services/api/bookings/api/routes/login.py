"""`POST /auth/login`: tokens for anyone who asks, so development and tests only.

The app leaves this route out entirely in production, so it answers 404 there.
"""

from __future__ import annotations

from litestar import post
from litestar.exceptions import ValidationException
from litestar.params import JSONBody

from bookings.api.app_state import utc_now
from bookings.api.bodies import requires_json_body
from bookings.api.dependencies import AppStateDep, limit_by_client_ip
from bookings.api.openapi import problems
from bookings.api.schemas import LoginRequest, TokenResponse
from bookings.auth import Principal, issue_token, subject_problem


@post(
    "/auth/login",
    operation_id="login",
    summary="Get a token (development and test only)",
    description="Unknown roles are ignored. Not available in production (404).",
    tags=["auth"],
    status_code=200,
    # The limit comes first, so that even a malformed body is counted.
    guards=[limit_by_client_ip, requires_json_body],
    responses=problems(400, 415, 422, 429, database=False),
)
async def login(app_state: AppStateDep, data: JSONBody[LoginRequest]) -> TokenResponse:
    # The rules every service applies to a token's `sub` (bookings.auth.subjects).
    problem = subject_problem(data.sub)
    if problem is not None:
        raise ValidationException(extra=[{"key": "sub", "message": problem}])
    principal = Principal.with_known_roles(data.sub, data.roles)
    issued = issue_token(principal, app_state.settings.tokens, now=utc_now())
    return TokenResponse.of(issued)
