"""The parameters of the booking routes, typed and described as the OpenAPI document shows
them."""

from __future__ import annotations

from typing import Annotated

from litestar.params import HeaderParameter, Parameter, QueryParameter

from bookings.api.cursors import CURSOR_PATTERN
from bookings.api.idempotent import IDEMPOTENCY_KEY_HEADER, MAX_KEY_LENGTH
from bookings.api.routes.provider_parameters import provider_filter

IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name=IDEMPOTENCY_KEY_HEADER,
        required=False,
        min_length=1,
        max_length=MAX_KEY_LENGTH,
        description="Retrying with the same key and body replays the first response.",
    ),
]
BookingId = Annotated[
    str, Parameter(description="The booking's id (a UUID; anything else is not found).")
]
ProviderFilter = Annotated[str | None, provider_filter("Admins only: one provider.")]
WithinSchedule = Annotated[
    bool,
    QueryParameter(
        name="withinSchedule",
        required=False,
        description="Refuse (422) a time outside the provider's free slots.",
    ),
]
PageNumber = Annotated[int, Parameter(ge=1, le=1_000_000, description="1-based page number.")]
PageSize = Annotated[int, Parameter(ge=1, le=100, description="Items per page (1-100).")]
Cursor = Annotated[
    str | None,
    QueryParameter(
        required=False,
        pattern=CURSOR_PATTERN,
        description="A previous page's `nextCursor`: the bookings that follow it (then `page` "
        "must be 1). Stable while bookings are added; costs the same however far it is.",
    ),
]
