"""The OpenAPI document's shared pieces: the bearer scheme, the problem responses, and what
Litestar leaves out of the document although the server enforces it."""

from __future__ import annotations

from collections.abc import Mapping

from litestar.openapi import OpenAPIConfig
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    Components,
    Link,
    OpenAPI,
    Reference,
    Schema,
    SecurityScheme,
)

from bookings.api.availability_schemas import (
    DateOverride,
    ScheduleBody,
    WeeklyHours,
    WorkingInterval,
)
from bookings.api.problems import PROBLEM_JSON
from bookings.api.schemas import BookingCreate, BookingUpdate, LoginRequest, Problem
from bookings.api.webhook_schemas import WebhookCreate, WebhookUpdate

BEARER = "BearerToken"
SECURITY: list[dict[str, list[str]]] = [{BEARER: []}]

_DESCRIPTIONS = {
    400: "The body is not valid JSON.",
    401: "Missing, malformed, forged or expired bearer token (see `WWW-Authenticate`).",
    403: "The token's roles do not allow this.",
    404: "No such booking, or one the caller may not see.",
    409: "The slot overlaps another booking (`conflictingBookingId`), the booking is not "
    "scheduled or changed meanwhile, or a request with this Idempotency-Key is in flight.",
    415: "The body is not JSON (`application/json` or a `+json` type, UTF-8).",
    422: "Invalid fields (`errors` lists them by wire name), or an Idempotency-Key reused "
    "with another request.",
    429: "Rate limit exceeded; retry after `Retry-After` seconds.",
    503: "A dependency is unreachable.",
}


_UNAVAILABLE = {503: "The database is unavailable or busy: retry after `Retry-After` seconds."}


def problems(
    *statuses: int, described: Mapping[int, str] | None = None, database: bool = True
) -> dict[int, ResponseSpec]:
    """Response specs for the problem statuses a route may answer with; `described` words
    some of them for routes whose resource is not a booking. A route that reads or writes the
    database may also answer 503 (`Retry-After`) while the database is unreachable."""
    wording = {**(_UNAVAILABLE if database else {}), **(described or {})}
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=wording.get(status, _DESCRIPTIONS[status]),
            media_type=PROBLEM_JSON,
            generate_examples=False,
        )
        for status in (*statuses, *([503] if database and 503 not in statuses else []))
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


# Request bodies decode with `forbid_unknown_fields`; Litestar does not say so in their schemas.
_CLOSED_BODIES = (
    BookingCreate,
    BookingUpdate,
    LoginRequest,
    WebhookCreate,
    WebhookUpdate,
    ScheduleBody,
    WeeklyHours,
    DateOverride,
    WorkingInterval,
)
# What a create returns links to the operations that take its id: per creating path, the id
# parameter, what is created, and the operations.
_CREATED_LINKS = (
    ("/bookings", "booking_id", "booking", ("getBooking", "changeBooking", "cancelBooking")),
    (
        "/webhooks",
        "webhook_id",
        "webhook endpoint",
        (
            "getWebhook",
            "changeWebhook",
            "deleteWebhook",
            "rotateWebhookSecret",
            "listWebhookDeliveries",
        ),
    ),
)


def complete_document(document: OpenAPI) -> None:
    """Adds to Litestar's document what the server enforces or offers but Litestar cannot
    derive: closed request bodies, and links from a created resource to what takes its id."""
    schemas = document.components.schemas if document.components else None
    for body in _CLOSED_BODIES:
        schema = (schemas or {}).get(body.__name__)
        if isinstance(schema, Schema):
            schema.additional_properties = False
    for path, parameter, created_kind, operation_ids in _CREATED_LINKS:
        created = document.paths[path].post if document.paths else None
        if created is None or created.responses is None:
            raise LookupError(f"POST {path} is missing from the OpenAPI document")
        response = created.responses["201"]
        if isinstance(response, Reference):
            raise LookupError(f"POST {path}'s 201 response is a reference")
        response.links = {
            operation_id: Link(
                operation_id=operation_id,
                parameters={parameter: "$response.body#/id"},
                description=f"The created {created_kind}'s `id` is the `{parameter}` of "
                f"{operation_id}.",
            )
            for operation_id in operation_ids
        }
