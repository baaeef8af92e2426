"""The parameters of the webhook routes, typed and described as the OpenAPI document shows
them."""

from __future__ import annotations

from typing import Annotated

from litestar.params import Parameter, QueryParameter

from bookings.api.cursors import CURSOR_PATTERN
from bookings.api.routes.provider_parameters import provider_filter
from bookings.api.webhook_schemas import DeliveryStatus
from bookings.api.webhooks import MAX_ENDPOINTS_PER_OWNER

WebhookId = Annotated[
    str, Parameter(description="The endpoint's id (a UUID; anything else is not found).")
]
DeliveryId = Annotated[
    str, Parameter(description="The delivery's id (a UUID; anything else is not found).")
]
ProviderFilter = Annotated[
    str | None, provider_filter("Admins only: the endpoints that receive one provider's events.")
]
Cursor = Annotated[
    str | None,
    QueryParameter(
        required=False,
        pattern=CURSOR_PATTERN,
        description="A previous page's `nextCursor`: what follows it, newest first.",
    ),
]
StatusFilter = Annotated[
    DeliveryStatus | None,
    QueryParameter(required=False, description="Only the deliveries in this status."),
]
EndpointPageSize = Annotated[
    int,
    Parameter(ge=1, le=MAX_ENDPOINTS_PER_OWNER, description="Items per page (1-100)."),
]
DeliveryPageSize = Annotated[int, Parameter(ge=1, le=100, description="Items per page (1-100).")]
