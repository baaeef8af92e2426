"""`/webhooks`: endpoints that receive booking events, their secrets and their deliveries, for
providers and admins (authenticated and rate-limited as the booking routes are)."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, HttpMethod, Response, delete, get, patch, post, route
from litestar.params import JSONBody

from bookings.api.authentication import requires_booking_actor
from bookings.api.bodies import requires_json_body
from bookings.api.cursors import InvalidCursor, decode_position
from bookings.api.dependencies import BOOKING_DEPENDENCIES, ActorDep, AppStateDep
from bookings.api.errors import InvalidListRequest, WebhookNotFound
from bookings.api.openapi import SECURITY, problems
from bookings.api.routes.webhook_parameters import (
    Cursor,
    DeliveryId,
    DeliveryPageSize,
    EndpointPageSize,
    ProviderFilter,
    StatusFilter,
    WebhookId,
)
from bookings.api.webhook_schemas import (
    WebhookCreate,
    WebhookDeliveryPage,
    WebhookDeliveryResponse,
    WebhookEndpointCreated,
    WebhookEndpointPage,
    WebhookEndpointResponse,
    WebhookSecret,
    WebhookUpdate,
)
from bookings.api.webhooks import DELIVERY, ENDPOINT, MAX_ENDPOINTS_PER_OWNER
from bookings.persistence.webhook_endpoints import Position

_NOT_FOUND = {404: "No such webhook endpoint (or delivery), or one the caller may not see."}
_LIMIT = {409: f"The caller owns {MAX_ENDPOINTS_PER_OWNER} webhook endpoints already."}
_BAD_URL = {
    422: "Invalid fields (`errors` lists them by wire name), among them a `url` an endpoint "
    "may not target, with the reason."
}
ENDPOINTS_METHODS = "GET, OPTIONS, POST"
ONE_ENDPOINT_METHODS = "DELETE, GET, OPTIONS, PATCH"


class WebhooksController(Controller):
    path = "/webhooks"
    tags = ("webhooks",)
    security = SECURITY
    # Authentication is a guard, so it runs before the body is read (see authentication.py).
    guards = (requires_booking_actor,)
    dependencies = BOOKING_DEPENDENCIES

    @route("/", http_method=[HttpMethod.OPTIONS], include_in_schema=False, status_code=204)
    async def allow_all(self) -> Response[None]:
        """The methods of `/webhooks`. Litestar's own OPTIONS answer names the methods of the
        first handler registered on a path only (see `BookingsController.allow`); handlers
        register in name order, so this one and `allow` must sort first on their paths."""
        return Response(None, status_code=204, headers={"Allow": ENDPOINTS_METHODS})

    @route(
        "/{webhook_id:str}",
        http_method=[HttpMethod.OPTIONS],
        include_in_schema=False,
        status_code=204,
    )
    async def allow(self) -> Response[None]:
        """The methods of `/webhooks/{id}` (see `allow_all`)."""
        return Response(None, status_code=204, headers={"Allow": ONE_ENDPOINT_METHODS})

    @post(
        "/",
        operation_id="createWebhook",
        summary="Create a webhook endpoint",
        description="Its `secret` is in this response and in a rotation's only. A provider's "
        "endpoint receives its own bookings' events; an admin's every provider's, or the "
        f"`providerId`'s. At most {MAX_ENDPOINTS_PER_OWNER} endpoints per caller.",
        status_code=201,
        guards=[requires_json_body],
        responses=problems(400, 401, 403, 409, 415, 422, 429, described=_LIMIT | _BAD_URL),
    )
    async def create(
        self, app_state: AppStateDep, actor: ActorDep, data: JSONBody[WebhookCreate]
    ) -> WebhookEndpointCreated:
        return await app_state.webhooks.create(actor, data)

    @get(
        "/",
        operation_id="listWebhooks",
        summary="The caller's webhook endpoints, newest first",
        description="An admin sees every endpoint, or those that receive `providerId`'s events.",
        responses=problems(401, 403, 422, 429),
    )
    async def list_endpoints(
        self,
        app_state: AppStateDep,
        actor: ActorDep,
        provider_id: ProviderFilter = None,
        cursor: Cursor = None,
        limit: EndpointPageSize = MAX_ENDPOINTS_PER_OWNER,
    ) -> WebhookEndpointPage:
        return await app_state.webhooks.list(actor, provider_id, _after(cursor), limit)

    @get(
        "/{webhook_id:str}",
        operation_id="getWebhook",
        summary="Get one webhook endpoint",
        description="Its owner or an admin only; anyone else gets 404.",
        responses=problems(401, 403, 404, 429, described=_NOT_FOUND),
    )
    async def get_one(
        self, app_state: AppStateDep, actor: ActorDep, webhook_id: WebhookId
    ) -> WebhookEndpointResponse:
        return await app_state.webhooks.get(actor, _uuid(webhook_id, ENDPOINT))

    @patch(
        "/{webhook_id:str}",
        operation_id="changeWebhook",
        summary="Change a webhook endpoint's URL or events, disable or enable it",
        description="Fields left out stay as they are. While an endpoint is disabled, its "
        "pending deliveries are held (sent once it is enabled again) and events that happen "
        "meanwhile are not fanned out to it.",
        guards=[requires_json_body],
        responses=problems(400, 401, 403, 404, 415, 422, 429, described=_NOT_FOUND | _BAD_URL),
    )
    async def change(
        self,
        app_state: AppStateDep,
        actor: ActorDep,
        webhook_id: WebhookId,
        data: JSONBody[WebhookUpdate],
    ) -> WebhookEndpointResponse:
        return await app_state.webhooks.change(actor, _uuid(webhook_id, ENDPOINT), data)

    @delete(
        "/{webhook_id:str}",
        operation_id="deleteWebhook",
        summary="Delete a webhook endpoint and its deliveries",
        status_code=204,
        responses=problems(401, 403, 404, 429, described=_NOT_FOUND),
    )
    async def remove(self, app_state: AppStateDep, actor: ActorDep, webhook_id: WebhookId) -> None:
        await app_state.webhooks.delete(actor, _uuid(webhook_id, ENDPOINT))

    @post(
        "/{webhook_id:str}/rotate-secret",
        operation_id="rotateWebhookSecret",
        summary="Give a webhook endpoint a new secret",
        description="The new secret signs from now on; the one it replaces keeps signing too "
        "for 24 hours (a rotation within them replaces that one).",
        status_code=200,
        responses=problems(401, 403, 404, 429, described=_NOT_FOUND),
    )
    async def rotate_secret(
        self, app_state: AppStateDep, actor: ActorDep, webhook_id: WebhookId
    ) -> WebhookSecret:
        return await app_state.webhooks.rotate_secret(actor, _uuid(webhook_id, ENDPOINT))

    @get(
        "/{webhook_id:str}/deliveries",
        operation_id="listWebhookDeliveries",
        summary="A webhook endpoint's deliveries, newest first",
        responses=problems(401, 403, 404, 422, 429, described=_NOT_FOUND),
    )
    async def deliveries(
        self,
        app_state: AppStateDep,
        actor: ActorDep,
        webhook_id: WebhookId,
        status: StatusFilter = None,
        cursor: Cursor = None,
        limit: DeliveryPageSize = 20,
    ) -> WebhookDeliveryPage:
        endpoint_id = _uuid(webhook_id, ENDPOINT)
        return await app_state.webhooks.deliveries(
            actor, endpoint_id, status, _after(cursor), limit
        )

    @post(
        "/{webhook_id:str}/deliveries/{delivery_id:str}/retry",
        operation_id="retryWebhookDelivery",
        summary="Send a delivery again, now",
        description="Pending, failed or delivered, it becomes pending and due now. An endpoint "
        "that is disabled holds it until it is enabled.",
        status_code=202,
        responses=problems(401, 403, 404, 429, described=_NOT_FOUND),
    )
    async def retry(
        self,
        app_state: AppStateDep,
        actor: ActorDep,
        webhook_id: WebhookId,
        delivery_id: DeliveryId,
    ) -> WebhookDeliveryResponse:
        return await app_state.webhooks.retry(
            actor, _uuid(webhook_id, ENDPOINT), _uuid(delivery_id, DELIVERY)
        )


def _after(cursor: str | None) -> Position | None:
    if cursor is None:
        return None
    try:
        created_at, row_id = decode_position(cursor)
    except InvalidCursor as error:
        raise InvalidListRequest(str(error)) from None
    return Position(created_at=created_at, id=row_id)


def _uuid(raw: str, kind: str) -> UUID:
    """A malformed id names nothing: 404, like a missing one."""
    try:
        return UUID(raw)
    except ValueError:
        raise WebhookNotFound(kind, raw) from None
