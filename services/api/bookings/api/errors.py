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

    # Echoed in the response; a path segment can be kilobytes long.
    _SHOWN = 60

    def __init__(self, raw: str) -> None:
        shown = raw if len(raw) <= self._SHOWN else raw[: self._SHOWN] + "..."
        super().__init__(f"booking {shown!r} not found: a booking id is a UUID")


class WebhookNotFound(ApiError):
    """No such webhook endpoint or delivery, or one the caller may not see, or an id that is
    not a UUID (404 alike: nothing is leaked)."""

    _SHOWN = 60

    def __init__(self, kind: str, raw: str) -> None:
        shown = raw if len(raw) <= self._SHOWN else raw[: self._SHOWN] + "..."
        super().__init__(f"{kind} {shown!r} not found")


class TooManyWebhookEndpoints(ApiError):
    """The caller owns as many webhook endpoints as one may (409)."""
