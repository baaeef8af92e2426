"""The sender's claims of due webhook deliveries, on psycopg's async connections.

A claim is one statement: it locks due pending deliveries of enabled endpoints (`FOR UPDATE
SKIP LOCKED`, so senders side by side never claim the same row) and moves each one's
`next_attempt_at` to the end of the attempt's lease. The row stays pending: a sender killed
mid-attempt leaves it to come due again when the lease ends (at least once). The lease is also
the claim's token: an attempt's outcome is written only where the row still holds that very
lease (see `delivery_outcomes`), so a delivery the API retried (or another sender claimed again)
meanwhile keeps its newer state.

A claim never takes more than a sender has room for, overall or per endpoint. It goes endpoint
by endpoint (the index of pending deliveries by endpoint and due time): the enabled endpoints
with a delivery due and room for an attempt, the longest waiting first, each giving its oldest
due deliveries. An endpoint at its limit (slow, or not answering) is passed over without
reading its backlog, so its due deliveries, however many, never take the places of other
endpoints' or slow down their claims; a claim costs one index probe per endpoint with pending
deliveries. The statement is compiled once from `tables` (see `statements.compiled`); times are
PostgreSQL's `now()`, the clock the API's retry and the wake-up trigger use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection
from sqlalchemy import (
    Integer,
    Interval,
    bindparam,
    case,
    column,
    func,
    null,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PgUUID

from bookings.persistence.statements import compiled
from bookings.persistence.tables import webhook_deliveries as deliveries
from bookings.persistence.tables import webhook_endpoints as endpoints
from bookings.persistence.webhook_deliveries import ONE_SQL, PENDING_SQL, UUID_ARRAY, ZERO_SQL


@dataclass(frozen=True)
class ClaimedDelivery:
    id: UUID
    endpoint_id: UUID
    event_id: UUID
    event_type: str
    data: bytes  # the event's data JSON, as encoded when its change committed
    occurred_at: datetime
    attempts: int  # attempts made before this one
    lease: datetime  # the row's `next_attempt_at` while this attempt runs
    url: str
    secret: str
    previous_secret: str | None  # only while it still signs (before it expires)


# Every endpoint with pending deliveries and its earliest `next_attempt_at` (its head), found
# by skipping from endpoint to endpoint through the (endpoint_id, next_attempt_at) index: one
# probe per such endpoint, however many deliveries each one holds.
_pending = (deliveries.c.status == PENDING_SQL,)
_by_endpoint = (deliveries.c.endpoint_id, deliveries.c.next_attempt_at)
_heads = (
    select(*_by_endpoint)
    .where(*_pending)
    .order_by(*_by_endpoint)
    .limit(ONE_SQL)
    .cte("heads", recursive=True)
)
_next_head = (
    select(*_by_endpoint)
    .where(*_pending, deliveries.c.endpoint_id > _heads.c.endpoint_id)
    .order_by(*_by_endpoint)
    .limit(ONE_SQL)
    .lateral("next_head")
)
_heads = _heads.union_all(
    select(_next_head.c.endpoint_id, _next_head.c.next_attempt_at).select_from(
        _heads.join(_next_head, true())
    )
)
# The attempts this sender has under way, per endpoint.
_busy = (
    func.unnest(
        bindparam("busy_ids", type_=UUID_ARRAY), bindparam("busy_counts", type_=ARRAY(Integer()))
    )
    .table_valued(column("endpoint_id", PgUUID(as_uuid=True)), column("running", Integer()))
    .render_derived(name="busy")
)
_room = bindparam("per_endpoint", type_=Integer()) - func.coalesce(_busy.c.running, ZERO_SQL)
# Enabled endpoints with a delivery due and room for another attempt, the longest waiting first.
_ready = (
    select(_heads.c.endpoint_id, _heads.c.next_attempt_at, _room.label("room"))
    .select_from(
        _heads.join(endpoints, endpoints.c.id == _heads.c.endpoint_id).outerjoin(
            _busy, _busy.c.endpoint_id == _heads.c.endpoint_id
        )
    )
    .where(_heads.c.next_attempt_at <= func.now(), endpoints.c.enabled, _room > ZERO_SQL)
    .order_by(_heads.c.next_attempt_at)
    .limit(bindparam("capacity"))
    .cte("ready")
)
# Each ready endpoint's oldest due deliveries, as many as it has room for.
_due = (
    select(deliveries.c.id, deliveries.c.next_attempt_at)
    .where(
        deliveries.c.endpoint_id == _ready.c.endpoint_id,
        *_pending,
        deliveries.c.next_attempt_at <= func.now(),
    )
    .order_by(deliveries.c.next_attempt_at)
    .limit(_ready.c.room)
    .with_for_update(skip_locked=True)
    .lateral("due")
)
_chosen = (
    select(_due.c.id)
    .select_from(_ready.join(_due, true()))
    .order_by(_due.c.next_attempt_at)
    .limit(bindparam("capacity"))
    .cte("chosen")
)
_CLAIM = compiled(
    update(deliveries)
    .where(deliveries.c.id == _chosen.c.id, endpoints.c.id == deliveries.c.endpoint_id)
    .values(next_attempt_at=func.now() + bindparam("lease", type_=Interval()))
    .returning(
        deliveries.c.id,
        deliveries.c.endpoint_id,
        deliveries.c.event_id,
        deliveries.c.event_type,
        deliveries.c.data,
        deliveries.c.occurred_at,
        deliveries.c.attempts,
        deliveries.c.next_attempt_at,
        endpoints.c.url,
        endpoints.c.secret,
        case(
            (endpoints.c.previous_secret_expires_at > func.now(), endpoints.c.previous_secret),
            else_=null(),
        ),
    )
)


async def claim_due(
    connection: AsyncConnection[Any],
    *,
    capacity: int,
    per_endpoint: int,
    busy: Mapping[UUID, int],
    lease: timedelta,
) -> list[ClaimedDelivery]:
    """Claims up to `capacity` due deliveries for `lease`: of the endpoints with room (at most
    `per_endpoint` attempts, `busy[endpoint]` of them under way), the longest waiting first,
    each one's oldest due first."""
    params = {
        "busy_ids": list(busy),
        "busy_counts": list(busy.values()),
        "per_endpoint": per_endpoint,
        "capacity": capacity,
        "lease": lease,
    }
    cursor = await connection.execute(_CLAIM, params)
    return [ClaimedDelivery(*row) for row in await cursor.fetchall()]
