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
from bookings.auth.subjects import MAX_SUBJECT_LENGTH
from bookings.domain.model import Booking
from bookings.domain.ports import Page

# A time with an explicit UTC offset; naive times are rejected while decoding.
AwareDatetime = Annotated[datetime, msgspec.Meta(tz=True)]
# PostgreSQL text cannot hold NUL characters: refuse them here (422), not in the database (500).
NO_NUL = "^[^\\x00]*$"
# What Python's str.strip() removes (the domain trims titles), in a class that Python and
# ECMA-262 regexes (the OpenAPI document's) read alike.
_SPACE = "\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
# Something besides spaces, and no NUL. The leading class and the next character never
# overlap, so matching stays linear in the length of the text.
NOT_BLANK_NO_NUL = f"^[{_SPACE}]*[^\\x00{_SPACE}][^\\x00]*$"
MAX_TITLE_LENGTH = 200
Title = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=MAX_TITLE_LENGTH,
        pattern=NOT_BLANK_NO_NUL,
        description="1-200 characters, not all spaces; stored trimmed.",
    ),
]
ProviderId = Annotated[
    str, msgspec.Meta(min_length=1, max_length=MAX_SUBJECT_LENGTH, pattern=NO_NUL)
]


class InvalidFields(Exception):
    """Request fields that decode but cannot be used, by wire name; raised while decoding (422).

    Not a ValueError on purpose: msgspec would fold that into a ValidationError about the
    whole object, losing the fields' names.
    """

    def __init__(self, messages: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in messages.items()))
        self.messages = messages


def _check_times(**times: datetime | None) -> None:
    """Every time must exist in UTC: `9999-12-31T23:00:00-12:00` is a valid ISO-8601 string
    whose UTC instant lies past the end of the calendar (the booking rules compare in UTC)."""
    messages = {}
    for wire_name, value in times.items():
        if value is None:
            continue
        try:
            value.astimezone(UTC)
        except OverflowError:
            messages[wire_name] = "out of range: the instant must fall within years 1-9999 in UTC"
    if messages:
        raise InvalidFields(messages)


class _Request(msgspec.Struct, rename="camel", forbid_unknown_fields=True, kw_only=True):
    pass


class _Response(msgspec.Struct, rename="camel", kw_only=True):
    pass


class LoginRequest(_Request):
    """Development and test only: who the token is for, and the roles it grants."""

    sub: ProviderId
    roles: list[str] = []


class TokenResponse(_Response):
    """The token under our camelCase names and under RFC 6749's (§5.1), which OAuth clients read."""

    access_token: str
    token_type: str
    expires_in: int
    oauth_access_token: str = msgspec.field(name="access_token")
    oauth_token_type: str = msgspec.field(name="token_type")
    oauth_expires_in: int = msgspec.field(name="expires_in")

    @classmethod
    def of(cls, issued: IssuedToken) -> TokenResponse:
        return cls(
            access_token=issued.access_token,
            token_type=issued.token_type,
            expires_in=issued.expires_in,
            oauth_access_token=issued.access_token,
            oauth_token_type=issued.token_type,
            oauth_expires_in=issued.expires_in,
        )


class BookingCreate(_Request):
    title: Title
    start_time: AwareDatetime
    end_time: AwareDatetime
    provider_id: ProviderId | None = None

    def __post_init__(self) -> None:
        _check_times(startTime=self.start_time, endTime=self.end_time)


class BookingUpdate(_Request):
    """Fields left out stay as they are."""

    title: Title | None = None
    start_time: AwareDatetime | None = None
    end_time: AwareDatetime | None = None

    def __post_init__(self) -> None:
        _check_times(startTime=self.start_time, endTime=self.end_time)


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
