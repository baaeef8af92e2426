"""The OpenAPI document's shared pieces: the bearer scheme and the problem responses."""

from __future__ import annotations

from litestar.openapi import OpenAPIConfig
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Components, SecurityScheme

from bookings.api.problems import PROBLEM_JSON
from bookings.api.schemas import Problem

BEARER = "BearerToken"
SECURITY: list[dict[str, list[str]]] = [{BEARER: []}]

_DESCRIPTIONS = {
    400: "The body is not valid JSON.",
    401: "Missing, malformed, forged or expired bearer token (see `WWW-Authenticate`).",
    403: "The token's roles do not allow this.",
    404: "No such booking, or one the caller may not see.",
    409: "The slot overlaps another booking (`conflictingBookingId`), the booking is not "
    "scheduled or changed meanwhile, or a request with this Idempotency-Key is in flight.",
    422: "Invalid fields (`errors` lists them by wire name), or an Idempotency-Key reused "
    "with another request.",
    429: "Rate limit exceeded; retry after `Retry-After` seconds.",
    503: "A dependency is unreachable.",
}


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """Response specs for the problem statuses a route may answer with."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=_DESCRIPTIONS[status],
            media_type=PROBLEM_JSON,
            generate_examples=False,
        )
        for status in statuses
    }


def openapi_config(version: str) -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Bookings API",
        version=version,
        description=(
            "Create, list, reschedule and cancel bookings. Times are ISO-8601 with an explicit "
            "offset and are returned in UTC. Errors are RFC 9457 `application/problem+json`."
        ),
        components=Components(
            security_schemes={
                BEARER: SecurityScheme(
                    type="http",
                    scheme="bearer",
                    bearer_format="JWT",
                    description="HS256 JWT with `sub`, `roles` (provider, admin) and `exp`.",
                )
            }
        ),
    )
