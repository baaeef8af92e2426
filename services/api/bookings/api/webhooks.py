"""Webhook endpoints and their deliveries: who may do what, then one statement on a pooled
connection (`bookings.persistence.endpoint_reads`, `.endpoint_writes`, `.endpoint_deliveries`).

An endpoint belongs to the subject that created it: a provider sees and changes its own only
(anything else is 404, as for bookings), an admin any. A provider's endpoint receives its own
bookings' events; an admin's every provider's, or one provider's. The relay fans each event out
to the enabled endpoints that want it, as pending deliveries that the sender works through.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any, TypeVar
from uuid import UUID

from litestar.exceptions import ValidationException
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from bookings.api.cursors import encode_position
from bookings.api.errors import TooManyWebhookEndpoints, WebhookNotFound
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
from bookings.domain.access import Actor
from bookings.domain.errors import Forbidden
from bookings.persistence import endpoint_deliveries, endpoint_reads, endpoint_writes
from bookings.persistence.endpoint_writes import EndpointChange, NewEndpoint
from bookings.persistence.webhook_endpoints import Position
from bookings.webhooks.signing import new_secret
from bookings.webhooks.targets import ForbiddenTarget, check_target

# Endpoints one subject may own: every event is sent to each of them, so they are bounded.
MAX_ENDPOINTS_PER_OWNER = 100
# How long the secret a rotation replaces keeps signing, so receivers can switch over.
PREVIOUS_SECRET_TTL = timedelta(hours=24)
ENDPOINT = "webhook endpoint"
DELIVERY = "webhook delivery"
T = TypeVar("T")


class Webhooks:
    def __init__(
        self, pool: AsyncConnectionPool[AsyncConnection[Any]], *, production: bool
    ) -> None:
        self._pool = pool
        self._production = production

    async def create(self, actor: Actor, body: WebhookCreate) -> WebhookEndpointCreated:
        new = NewEndpoint(
            owner=actor.id,
            provider_id=_receives(actor, body.provider_id),
            url=await self._checked(body.url),
            events=body.events,
            secret=new_secret(),
        )
        async with self._pool.connection() as connection:
            created = await endpoint_writes.add_endpoint(
                connection,
                new,
                max_per_owner=MAX_ENDPOINTS_PER_OWNER,
                row=WebhookEndpointCreated.of_created_row,
            )
        if created is None:
            raise TooManyWebhookEndpoints(
                f"one may own at most {MAX_ENDPOINTS_PER_OWNER} webhook endpoints: delete one"
            )
        return created

    async def list(
        self, actor: Actor, provider_id: str | None, after: Position | None, limit: int
    ) -> WebhookEndpointPage:
        """The caller's endpoints, newest first; an admin's list holds everyone's, or those
        that receive one provider's events."""
        if not actor.is_admin and provider_id not in (None, actor.id):
            raise Forbidden("a provider can only list its own webhook endpoints")
        async with self._pool.connection() as connection:
            items, more = await endpoint_reads.fetch_endpoints(
                connection,
                owner=_owner(actor),
                provider_id=provider_id if actor.is_admin else None,
                after=after,
                limit=limit,
                row=WebhookEndpointResponse.of_row,
            )
        last = items[-1] if more else None
        next_cursor = None if last is None else encode_position(last.created_at, last.id)
        return WebhookEndpointPage(items=items, next_cursor=next_cursor)

    async def get(self, actor: Actor, endpoint_id: UUID) -> WebhookEndpointResponse:
        async with self._pool.connection() as connection:
            found = await endpoint_reads.fetch_endpoint(
                connection, endpoint_id, _owner(actor), WebhookEndpointResponse.of_row
            )
        return _found(found, ENDPOINT, endpoint_id)

    async def change(
        self, actor: Actor, endpoint_id: UUID, body: WebhookUpdate
    ) -> WebhookEndpointResponse:
        change = EndpointChange(
            url=None if body.url is None else await self._checked(body.url),
            events=body.events,
            enabled=body.enabled,
        )
        async with self._pool.connection() as connection:
            changed = await endpoint_writes.change_endpoint(
                connection, endpoint_id, _owner(actor), change, WebhookEndpointResponse.of_row
            )
        return _found(changed, ENDPOINT, endpoint_id)

    async def delete(self, actor: Actor, endpoint_id: UUID) -> None:
        async with self._pool.connection() as connection:
            deleted = await endpoint_writes.delete_endpoint(connection, endpoint_id, _owner(actor))
        if not deleted:
            raise WebhookNotFound(ENDPOINT, str(endpoint_id))

    async def rotate_secret(self, actor: Actor, endpoint_id: UUID) -> WebhookSecret:
        async with self._pool.connection() as connection:
            secret = await endpoint_writes.rotate_secret(
                connection,
                endpoint_id,
                _owner(actor),
                secret=new_secret(),
                previous_secret_ttl=PREVIOUS_SECRET_TTL,
            )
        return WebhookSecret(secret=_found(secret, ENDPOINT, endpoint_id))

    async def deliveries(
        self,
        actor: Actor,
        endpoint_id: UUID,
        status: str | None,
        after: Position | None,
        limit: int,
    ) -> WebhookDeliveryPage:
        async with self._pool.connection() as connection:
            found = await endpoint_deliveries.fetch_deliveries(
                connection,
                endpoint_id,
                _owner(actor),
                status=status,
                after=after,
                limit=limit,
                row=WebhookDeliveryResponse.of_row,
            )
        items, more = _found(found, ENDPOINT, endpoint_id)
        last = items[-1] if more else None
        next_cursor = None if last is None else encode_position(last.created_at, last.id)
        return WebhookDeliveryPage(items=items, next_cursor=next_cursor)

    async def retry(
        self, actor: Actor, endpoint_id: UUID, delivery_id: UUID
    ) -> WebhookDeliveryResponse:
        """Makes the delivery pending and due now, whatever its status: PostgreSQL then wakes
        the sender. An endpoint that is disabled keeps it pending until it is enabled."""
        async with self._pool.connection() as connection:
            retried = await endpoint_deliveries.retry_delivery(
                connection, endpoint_id, delivery_id, _owner(actor), WebhookDeliveryResponse.of_row
            )
        return _found(retried, DELIVERY, delivery_id)

    async def _checked(self, url: str) -> str:
        """`url` if an endpoint may target it, else a 422 naming `url` and why. In production
        the check resolves the host (blocking getaddrinfo), so it runs in a thread there."""
        try:
            if self._production:
                await asyncio.to_thread(check_target, url, production=True)
            else:
                check_target(url, production=False)
        except ForbiddenTarget as error:
            raise ValidationException(extra=[{"key": "url", "message": str(error)}]) from None
        return url


def _owner(actor: Actor) -> str | None:
    """Whose endpoints the actor may see: its own, or everyone's (None) for an admin."""
    return None if actor.is_admin else actor.id


def _receives(actor: Actor, requested: str | None) -> str | None:
    """Whose bookings' events a new endpoint receives: a provider's own; for an admin's, the
    provider it names, or every provider's (None)."""
    if actor.is_admin:
        return requested
    if requested is not None and requested != actor.id:
        raise Forbidden("a provider's webhook endpoints receive its own bookings' events only")
    return actor.id


def _found(value: T | None, kind: str, searched: UUID) -> T:
    if value is None:
        raise WebhookNotFound(kind, str(searched))
    return value
