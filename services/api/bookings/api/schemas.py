"""What goes over the wire: msgspec Structs in camelCase, mapped explicitly to and from the domain.

Request bodies forbid unknown fields and require timezone-aware times; responses carry every
time in UTC (`...Z`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

import msgspec

from bookings.auth import IssuedToken
from bookings.domain.model import Booking
from bookings.domain.ports import Page

# A time with an explicit UTC offset; naive times are rejected while decoding.
AwareDatetime = Annotated[datetime, msgspec.Meta(tz=True)]
# PostgreSQL text cannot hold NUL characters: refuse them here (422), not in the database (500).
NO_NUL = "^[^\\x00]*$"
Title = Annotated[
    str,
    msgspec.Meta(
        pattern=NO_NUL, description="1-200 characters once trimmed; blank titles are refused."
    ),
]
ProviderId = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=NO_NUL)]


class _Request(msgspec.Struct, rename="camel", forbid_unknown_fields=True, kw_only=True):
    pass


class _Response(msgspec.Struct, rename="camel", kw_only=True):
    pass


class LoginRequest(_Request):
    """Development and test only: who the token is for, and the roles it grants."""

    sub: ProviderId
    roles: list[str] = []


class TokenResponse(_Response):
    access_token: str
    token_type: str
    expires_in: int

    @classmethod
    def of(cls, issued: IssuedToken) -> TokenResponse:
        return cls(
            access_token=issued.access_token,
            token_type=issued.token_type,
            expires_in=issued.expires_in,
        )


class BookingCreate(_Request):
    title: Title
    start_time: AwareDatetime
    end_time: AwareDatetime
    provider_id: ProviderId | None = None


class BookingUpdate(_Request):
    """Fields left out stay as they are."""

    title: Title | None = None
    start_time: AwareDatetime | None = None
    end_time: AwareDatetime | None = None


class BookingResponse(_Response):
    id: UUID
    provider_id: str
    title: str
    start_time: datetime
    end_time: datetime
    status: Annotated[str, msgspec.Meta(description="scheduled or cancelled")]
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, booking: Booking) -> BookingResponse:
        return cls(
            id=booking.id,
            provider_id=booking.provider_id,
            title=booking.title,
            start_time=booking.start_time.astimezone(UTC),
            end_time=booking.end_time.astimezone(UTC),
            status=booking.status.value,
            version=booking.version,
            created_at=booking.created_at.astimezone(UTC),
            updated_at=booking.updated_at.astimezone(UTC),
        )


class BookingPage(_Response):
    items: list[BookingResponse]
    total: int
    page: int
    limit: int

    @classmethod
    def of(cls, page: Page[Booking]) -> BookingPage:
        return cls(
            items=[BookingResponse.of(booking) for booking in page.items],
            total=page.total,
            page=page.page,
            limit=page.limit,
        )


class FieldError(_Response):
    field: str
    message: str


class Problem(_Response, omit_defaults=True):
    """An RFC 9457 problem document (`application/problem+json`); empty extras are left out."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] | None = None
    conflicting_booking_id: UUID | None = None


class HealthStatus(_Response):
    status: str
    checks: dict[str, str] = {}
