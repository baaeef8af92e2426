"""What goes over the wire: msgspec Structs in camelCase, mapped explicitly to and from the domain.

Request bodies forbid unknown fields and require timezone-aware times; responses carry every
time in UTC (`...Z`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

import msgspec

from bookings.api.cursors import encode_cursor
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

    @classmethod
    def of_row(
        cls,
        booking_id: UUID,
        provider_id: str,
        title: str,
        start_time: datetime,
        end_time: datetime,
        status: str,
        version: int,
        _reminder_due_at: datetime,
        _reminded_at: datetime | None,
        created_at: datetime,
        updated_at: datetime,
    ) -> BookingResponse:
        """From a row of the bookings table, columns in order (read in UTC: see `pool`)."""
        return cls(
            id=booking_id,
            provider_id=provider_id,
            title=title,
            start_time=start_time,
            end_time=end_time,
            status=status,
            version=version,
            created_at=created_at,
            updated_at=updated_at,
        )


class BookingPage(_Response):
    items: list[BookingResponse]
    total: Annotated[
        int,
        msgspec.Meta(
            description="How many bookings the list holds; a lower bound when `totalExact` is "
            "false (lists are counted up to 1,000 bookings past the page's offset)."
        ),
    ]
    total_exact: bool
    page: int
    limit: int
    next_cursor: Annotated[
        str | None,
        msgspec.Meta(description="Pass as `cursor` for the next page; null on the last page."),
    ] = None

    @classmethod
    def of(cls, page: Page[BookingResponse]) -> BookingPage:
        return cls(
            items=page.items,
            total=page.total,
            total_exact=page.total_exact,
            page=page.page,
            limit=page.limit,
            next_cursor=None if page.next_after is None else encode_cursor(page.next_after),
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
