"""What goes over the wire for webhooks: endpoints, their secrets and their deliveries.

Like `schemas`: camelCase, request bodies forbid unknown fields, times come back in UTC (`Z`).
An endpoint's secret is a field of two responses only, the created endpoint and a rotation.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal
from uuid import UUID

import msgspec

from bookings.api.schemas import NO_NUL
from bookings.auth.subjects import MAX_SUBJECT_LENGTH
from bookings.events.schemas import CHANNELS
from bookings.persistence.tables import WEBHOOK_DELIVERY_STATUSES
from bookings.webhooks.targets import MAX_URL_LENGTH

if TYPE_CHECKING:
    EventType = str
    DeliveryStatus = str
else:
    # Literals of the names the events library and the schema define, built from them: strict
    # decoding refuses any other (422 naming the field) and the OpenAPI document lists them as
    # an enum. A type checker cannot read a Literal built at run time; to it they are str.
    EventType = Literal[CHANNELS]
    DeliveryStatus = Literal[WEBHOOK_DELIVERY_STATUSES]

WebhookUrl = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=MAX_URL_LENGTH,
        description="An absolute http(s) URL; in production https to a host whose every "
        "address is public. Redirects are not followed.",
    ),
]
ReceivedProvider = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=MAX_SUBJECT_LENGTH,
        pattern=NO_NUL,
        description="Whose bookings' events it receives. A provider's endpoint: its own "
        "(another is 403). An admin's: this provider's, or every provider's when left out.",
    ),
]
EventTypes = Annotated[
    list[EventType],
    msgspec.Meta(
        min_length=1,
        description="The booking events to receive (duplicates collapse); by default all.",
    ),
]


class _Request(msgspec.Struct, rename="camel", forbid_unknown_fields=True, kw_only=True):
    pass


class _Response(msgspec.Struct, rename="camel", kw_only=True):
    pass


def _collapsed(events: list[str]) -> list[str]:
    """Each event type once, in the order the events library lists them."""
    wanted = set(events)
    return [name for name in CHANNELS if name in wanted]


class WebhookCreate(_Request):
    url: WebhookUrl
    events: EventTypes = msgspec.field(default_factory=lambda: list(CHANNELS))
    provider_id: ReceivedProvider | None = None

    def __post_init__(self) -> None:
        self.events = _collapsed(self.events)


class WebhookUpdate(_Request):
    """Fields left out stay as they are. A disabled endpoint's deliveries wait until it is
    enabled again."""

    url: WebhookUrl | None = None
    events: EventTypes | None = None
    enabled: bool | None = None

    def __post_init__(self) -> None:
        if self.events is not None:
            self.events = _collapsed(self.events)


class WebhookEndpointResponse(_Response):
    id: UUID
    url: str
    events: list[str]
    provider_id: Annotated[
        str | None,
        msgspec.Meta(description="Whose bookings' events it receives; null: every provider's."),
    ]
    enabled: bool
    created_at: datetime

    @classmethod
    def of_row(
        cls,
        endpoint_id: UUID,
        provider_id: str | None,
        url: str,
        events: list[str],
        enabled: bool,
        created_at: datetime,
    ) -> WebhookEndpointResponse:
        """From a row in `webhook_endpoints.ENDPOINT_COLUMNS` order (read in UTC: see `pool`)."""
        return cls(
            id=endpoint_id,
            url=url,
            events=events,
            provider_id=provider_id,
            enabled=enabled,
            created_at=created_at,
        )


class WebhookEndpointCreated(WebhookEndpointResponse):
    secret: Annotated[
        str,
        msgspec.Meta(
            description="Signs every delivery (Standard Webhooks, `whsec_...`). Shown now and "
            "on rotation only: keep it."
        ),
    ]

    @classmethod
    def of_created_row(
        cls,
        endpoint_id: UUID,
        provider_id: str | None,
        url: str,
        events: list[str],
        enabled: bool,
        created_at: datetime,
        secret: str,
    ) -> WebhookEndpointCreated:
        """From a row in `webhook_endpoints.ENDPOINT_COLUMNS` order, the secret last."""
        return cls(
            id=endpoint_id,
            url=url,
            events=events,
            provider_id=provider_id,
            enabled=enabled,
            created_at=created_at,
            secret=secret,
        )


class WebhookEndpointPage(_Response):
    items: list[WebhookEndpointResponse]
    next_cursor: Annotated[
        str | None,
        msgspec.Meta(description="Pass as `cursor` for the next page; null on the last page."),
    ] = None


class WebhookSecret(_Response):
    secret: Annotated[
        str,
        msgspec.Meta(
            description="The new secret, signing from now on; the one it replaces keeps "
            "signing too for 24 hours."
        ),
    ]


class WebhookDeliveryResponse(_Response):
    id: UUID
    event_id: Annotated[UUID, msgspec.Meta(description="The event's id (`webhook-id`).")]
    event_type: str
    status: Annotated[str, msgspec.Meta(description="pending, delivered or failed")]
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: Annotated[
        datetime | None, msgspec.Meta(description="When it is due, while pending.")
    ]
    delivered_at: datetime | None
    created_at: datetime

    @classmethod
    def of_row(
        cls,
        delivery_id: UUID,
        event_id: UUID,
        event_type: str,
        status: str,
        attempts: int,
        last_status_code: int | None,
        last_error: str | None,
        next_attempt_at: datetime | None,
        delivered_at: datetime | None,
        created_at: datetime,
    ) -> WebhookDeliveryResponse:
        """From a row in `endpoint_deliveries.DELIVERY_COLUMNS` order."""
        return cls(
            id=delivery_id,
            event_id=event_id,
            event_type=event_type,
            status=status,
            attempts=attempts,
            last_status_code=last_status_code,
            last_error=last_error,
            next_attempt_at=next_attempt_at,
            delivered_at=delivered_at,
            created_at=created_at,
        )


class WebhookDeliveryPage(_Response):
    items: list[WebhookDeliveryResponse]
    next_cursor: Annotated[
        str | None,
        msgspec.Meta(description="Pass as `cursor` for the next page; null on the last page."),
    ] = None
