"""The one place where errors become HTTP responses: RFC 9457 `application/problem+json`.

Domain errors, authentication errors, the HTTP layer's own errors and Litestar's (validation,
malformed JSON, unknown route, ...) all go through `problem_of`; anything else is a 500 whose
details are logged, never sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import msgspec
import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from psycopg import OperationalError
from psycopg.errors import AdminShutdown, CannotConnectNow, CrashShutdown
from psycopg_pool import PoolTimeout

from bookings.api.errors import (
    CalendarFeedNotFound,
    IdempotencyKeyReused,
    InvalidIdempotencyKey,
    InvalidListRequest,
    MalformedBookingId,
    NotWithinSchedule,
    NoUsableRole,
    RateLimited,
    RequestInFlight,
    ScheduleNotFound,
    TooManyWebhookEndpoints,
    WebhookNotFound,
)
from bookings.api.schemas import FieldError, Problem
from bookings.auth import AuthError, ExpiredToken, InvalidToken
from bookings.domain.errors import (
    BookingConflict,
    BookingNotFound,
    BookingNotScheduled,
    DomainError,
    Forbidden,
    InvalidBooking,
    StaleBooking,
)

PROBLEM_JSON = "application/problem+json"
_TYPE_BASE = "https://bookings.example/problems/"
# The domain names fields as the model does; clients know them by their wire names.
_WIRE_FIELDS = {
    "title": "title",
    "start_time": "startTime",
    "end_time": "endTime",
    "provider_id": "providerId",
}
_MISSING_PARAMETER = re.compile(r"Missing required \w+ parameter '(?P<name>[^']+)'")
_log = structlog.get_logger("bookings.api")
_encoder = msgspec.json.Encoder()


@dataclass(frozen=True)
class ProblemSpec:
    status: int
    slug: str
    detail: str
    errors: list[FieldError] | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def document(self, instance: str | None = None) -> Problem:
        return Problem(
            type=_TYPE_BASE + self.slug,
            title=HTTPStatus(self.status).phrase,
            status=self.status,
            detail=self.detail,
            instance=instance,
            errors=self.errors,
            **self.extras,
        )


def problem_of(error: Exception) -> ProblemSpec | None:
    """The response an expected error stands for; None for a bug (answered with a 500)."""
    if isinstance(error, DomainError):
        return _domain_problem(error)
    if isinstance(error, AuthError):
        return _auth_problem(error)
    if isinstance(error, RateLimited):
        return ProblemSpec(429, "rate-limited", error.message, headers=error.headers)
    if isinstance(error, NoUsableRole):
        return ProblemSpec(403, "forbidden", error.message)
    if isinstance(error, IdempotencyKeyReused | InvalidIdempotencyKey):
        return ProblemSpec(422, "idempotency-key", error.message)
    if isinstance(error, InvalidListRequest):
        errors = [FieldError(field="cursor", message=error.message)]
        return ProblemSpec(422, "validation", error.message, errors=errors)
    if isinstance(
        error, MalformedBookingId | WebhookNotFound | ScheduleNotFound | CalendarFeedNotFound
    ):
        return ProblemSpec(404, "not-found", error.message)
    if isinstance(error, NotWithinSchedule):
        return ProblemSpec(422, "not-within-schedule", error.message)
    if isinstance(error, TooManyWebhookEndpoints):
        return ProblemSpec(409, "webhook-endpoint-limit", error.message)
    if isinstance(error, RequestInFlight):
        return ProblemSpec(409, "request-in-flight", error.message)
    if _database_unavailable(error):
        return ProblemSpec(
            503,
            "unavailable",
            "the database is unavailable or busy: retry shortly",
            headers={"Retry-After": "1"},
        )
    if isinstance(error, ValidationException):
        return ProblemSpec(422, "validation", "the request is invalid", errors=_field_errors(error))
    if isinstance(error, HTTPException):
        return _http_problem(error)
    return None


def _database_unavailable(error: Exception) -> bool:
    """No connection came free in time, or the connection broke: the session was cut, the
    server shut down or is starting. Not SQL errors, which are bugs or mapped above."""
    return isinstance(error, PoolTimeout | AdminShutdown | CrashShutdown | CannotConnectNow) or (
        type(error) is OperationalError
    )


def _domain_problem(error: DomainError) -> ProblemSpec:
    if isinstance(error, InvalidBooking):
        errors = [
            FieldError(field=_WIRE_FIELDS.get(v.field, v.field or "body"), message=v.message)
            for v in error.violations
        ]
        return ProblemSpec(422, "validation", error.message, errors=errors)
    if isinstance(error, BookingNotFound):
        return ProblemSpec(404, "not-found", error.message)
    if isinstance(error, Forbidden):
        return ProblemSpec(403, "forbidden", error.message)
    if isinstance(error, BookingConflict):
        extras = {"conflicting_booking_id": error.conflicting_booking_id}
        return ProblemSpec(409, "booking-conflict", error.message, extras=extras)
    if isinstance(error, StaleBooking):
        return ProblemSpec(409, "stale-booking", error.message)
    if isinstance(error, BookingNotScheduled):
        return ProblemSpec(409, "booking-not-scheduled", error.message)
    return ProblemSpec(422, "domain-rule", error.message)


def _auth_problem(error: AuthError) -> ProblemSpec:
    # RFC 6750 §3: say which scheme to use, and why the credentials given were refused.
    challenge = 'Bearer realm="bookings"'
    if isinstance(error, InvalidToken):
        reason = "The access token expired" if isinstance(error, ExpiredToken) else error.message
        challenge += f', error="invalid_token", error_description="{reason}"'
    return ProblemSpec(
        401, "unauthenticated", error.message, headers={"WWW-Authenticate": challenge}
    )


def _http_problem(error: HTTPException) -> ProblemSpec:
    status = error.status_code
    if status >= 500:
        return ProblemSpec(status, "server-error", HTTPStatus(status).phrase)
    detail = error.detail if isinstance(error.detail, str) and error.detail else None
    # Litestar reports a body that is not JSON as a plain 400 ("malformed JSON").
    slug = "malformed-request" if status == 400 else HTTPStatus(status).phrase.lower()
    headers = {k: v for k, v in (error.headers or {}).items() if k.lower() == "allow"}
    return ProblemSpec(
        status, slug.replace(" ", "-"), detail or HTTPStatus(status).phrase, headers=headers
    )


def _field_errors(error: ValidationException) -> list[FieldError]:
    extra = error.extra if isinstance(error.extra, list) else []
    errors = []
    for item in extra:
        if isinstance(item, dict):
            # Errors about the body as a whole (e.g. an unknown field) come keyed `data`.
            key = str(item.get("key") or "body").removeprefix("data")
            key = key.removeprefix(".") or "body"
            errors.append(FieldError(field=key, message=str(item.get("message", "invalid"))))
    if errors:
        return errors
    # Litestar names a missing parameter in its detail only.
    missing = _MISSING_PARAMETER.match(str(error.detail))
    field = missing["name"] if missing else "body"
    return [FieldError(field=field, message=str(error.detail))]


def problem_response(spec: ProblemSpec, instance: str | None = None) -> Response[bytes]:
    return Response(
        content=_encoder.encode(spec.document(instance)),
        status_code=spec.status,
        media_type=PROBLEM_JSON,
        headers=spec.headers,
    )


def handle_exception(request: Request[Any, Any, Any], error: Exception) -> Response[bytes]:
    """Litestar's exception handler for every exception type."""
    spec = problem_of(error)
    if spec is not None and spec.status == 503:
        # A dependency is down: expected in operation, told to the client, no traceback.
        _log.warning("unavailable", error_type=type(error).__name__)
    elif spec is None or spec.status >= 500:
        # Bugs are logged with their traceback; the client learns nothing about them.
        _log.exception("unhandled_error", error_type=type(error).__name__)
        spec = ProblemSpec(500, "server-error", "an unexpected error occurred")
    return problem_response(spec, instance=request.url.path)
