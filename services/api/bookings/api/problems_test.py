"""Mapping errors to problem documents: statuses, field names, headers."""

from __future__ import annotations

from uuid import uuid4

import pytest
from litestar.exceptions import ClientException, NotFoundException, ValidationException
from psycopg import OperationalError
from psycopg.errors import AdminShutdown, LockNotAvailable
from psycopg_pool import PoolTimeout

from bookings.api.errors import IdempotencyKeyReused, NoUsableRole, RateLimited, RequestInFlight
from bookings.api.problems import PROBLEM_JSON, handle_exception, problem_of, problem_response
from bookings.auth import ExpiredToken, InvalidToken, MissingToken
from bookings.domain.errors import (
    BookingConflict,
    BookingNotFound,
    BookingNotScheduled,
    EndNotAfterStart,
    Forbidden,
    InvalidBooking,
    StaleBooking,
    StartInPast,
    TitleBlank,
)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (BookingNotFound(uuid4()), 404),
        (Forbidden("no"), 403),
        (BookingConflict(uuid4()), 409),
        (StaleBooking(uuid4()), 409),
        (BookingNotScheduled(uuid4(), "cancelled"), 409),
        (MissingToken(), 401),
        (InvalidToken("bad"), 401),
        (ExpiredToken(), 401),
        (NoUsableRole("none"), 403),
        (RateLimited(5, {"Retry-After": "5"}), 429),
        (IdempotencyKeyReused("other body"), 422),
        (RequestInFlight("busy"), 409),
        (ValidationException(extra=[{"key": "limit", "message": "too big"}]), 422),
        (ClientException("JSON is malformed"), 400),
        (NotFoundException(), 404),
        (PoolTimeout("no connection came free"), 503),
        (OperationalError("server closed the connection unexpectedly"), 503),
        (AdminShutdown("terminating connection due to administrator command"), 503),
    ],
)
def test_each_expected_error_has_its_status(error: Exception, status: int) -> None:
    spec = problem_of(error)
    assert spec is not None
    assert spec.status == status
    document = spec.document("/x")
    assert document.status == status
    assert document.type.startswith("https://")
    assert document.title
    assert document.detail


def test_unexpected_errors_are_not_mapped() -> None:
    assert problem_of(RuntimeError("bug")) is None
    # An SQL error is no outage, even where psycopg files it under OperationalError.
    assert problem_of(LockNotAvailable("could not obtain lock")) is None


def test_invalid_booking_lists_every_field_by_its_wire_name() -> None:
    error = InvalidBooking([TitleBlank("blank"), EndNotAfterStart("order"), StartInPast("past")])
    spec = problem_of(error)
    assert spec is not None
    assert [e.field for e in spec.errors or []] == ["title", "endTime", "startTime"]


def test_a_conflict_names_the_booking_in_the_way() -> None:
    conflicting = uuid4()
    spec = problem_of(BookingConflict(conflicting))
    assert spec is not None
    assert spec.document().conflicting_booking_id == conflicting


def test_401_carries_a_bearer_challenge() -> None:
    spec = problem_of(ExpiredToken())
    assert spec is not None
    challenge = spec.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="bookings"')
    assert 'error="invalid_token"' in challenge


def test_429_carries_retry_after() -> None:
    spec = problem_of(RateLimited(7, {"Retry-After": "7", "RateLimit-Limit": "1"}))
    assert spec is not None
    assert spec.headers["Retry-After"] == "7"


def test_the_response_is_problem_json_without_empty_members() -> None:
    spec = problem_of(BookingNotFound(uuid4()))
    assert spec is not None
    response = problem_response(spec, "/bookings/x")
    assert response.media_type == PROBLEM_JSON
    body = response.content
    assert isinstance(body, bytes)
    assert b'"errors"' not in body
    assert b'"conflictingBookingId"' not in body
    assert b'"instance":"/bookings/x"' in body


def test_a_bug_is_a_500_problem_that_reveals_nothing() -> None:
    from unittest.mock import Mock

    request = Mock()
    request.url.path = "/bookings"
    response = handle_exception(request, RuntimeError("password=hunter2"))
    assert response.status_code == 500
    assert response.media_type == PROBLEM_JSON
    assert isinstance(response.content, bytes)
    assert b"hunter2" not in response.content
