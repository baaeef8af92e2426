"""Errors of the HTTP layer itself (not the domain's), each mapped to a response in problems.py."""

from __future__ import annotations


class ApiError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RateLimited(ApiError):
    """Too many requests in the current window; `headers` tell the client when to retry."""

    def __init__(self, retry_after: int, headers: dict[str, str]) -> None:
        super().__init__(f"rate limit exceeded; retry in {retry_after} s")
        self.retry_after = retry_after
        self.headers = headers


class NoUsableRole(ApiError):
    """An authenticated caller whose token grants none of the roles this route needs."""


class IdempotencyKeyReused(ApiError):
    """The Idempotency-Key was first used with another request (method, path or body)."""


class RequestInFlight(ApiError):
    """A request with the same Idempotency-Key is still being processed."""


class InvalidIdempotencyKey(ApiError):
    """The Idempotency-Key header is empty or too long."""


class InvalidListRequest(ApiError):
    """A list request whose paging parameters contradict each other or were not ours."""


class MalformedBookingId(ApiError):
    """A booking id that is not a UUID: no booking has it (404)."""

    def __init__(self, raw: str) -> None:
        super().__init__(f"booking {_shown(raw)!r} not found: a booking id is a UUID")


class WebhookNotFound(ApiError):
    """No such webhook endpoint or delivery, or one the caller may not see, or an id that is
    not a UUID (404 alike: nothing is leaked)."""

    def __init__(self, kind: str, raw: str) -> None:
        super().__init__(f"{kind} {_shown(raw)!r} not found")


class TooManyWebhookEndpoints(ApiError):
    """The caller owns as many webhook endpoints as one may (409)."""


class ScheduleNotFound(ApiError):
    """The provider has set no working hours (404)."""

    def __init__(self, provider_id: str) -> None:
        super().__init__(f"provider {_shown(provider_id)!r} has no schedule")


class NotWithinSchedule(ApiError):
    """A booking asked to fit the provider's free slots that does not (422)."""


class CalendarFeedNotFound(ApiError):
    """No feed has this token: never had, or its provider rotated it since (404)."""


def _shown(raw: str, limit: int = 60) -> str:
    """A client's value as echoed in a response: a path segment can be kilobytes long."""
    return raw if len(raw) <= limit else raw[:limit] + "..."
