"""The sender's side of webhook deliveries, on psycopg's async connections: claim due ones,
record attempts, give up on an endpoint that is gone, measure the backlog; and the sweep of
finished deliveries past their retention (the reconciler's, on the synchronous engine).

A claim is one statement: it locks due pending deliveries of enabled endpoints (`FOR UPDATE
SKIP LOCKED`, so senders side by side never claim the same row) and moves each one's
`next_attempt_at` to the end of the attempt's lease. The row stays pending: a sender killed
mid-attempt leaves it to come due again when the lease ends (at least once). The lease is also
the claim's token: an attempt's outcome is written only where the row still holds that very
lease, so a delivery the API retried (or another sender claimed again) meanwhile keeps its
newer state.

A claim never takes more than a sender has room for, overall or per endpoint. It goes endpoint
by endpoint (the index of pending deliveries by endpoint and due time): the enabled endpoints
with a delivery due and room for an attempt, the longest waiting first, each giving its oldest
due deliveries. An endpoint at its limit (slow, or not answering) is passed over without
reading its backlog, so its due deliveries, however many, never take the places of other
endpoints' or slow down their claims; a claim costs one index probe per endpoint with pending
deliveries. Statements are compiled once from `tables` (see `statements.compiled`); times are
PostgreSQL's `now()`, the clock the API's retry and the wake-up trigger use.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection
from sqlalchemy import (
    DateTime,
    Float,
    Integer,
    Interval,
    Text,
    bindparam,
    case,
    column,
    false,
    func,
    literal_column,
    null,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.sql.elements import ColumnClause

from bookings.persistence.statements import compiled
from bookings.persistence.tables import webhook_deliveries as deliveries
from bookings.persistence.tables import webhook_endpoints as endpoints

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"

_UUIDS = ARRAY(PgUUID(as_uuid=True))
# Constants are written into the SQL (a bound value would need a parameter on every call).
_PENDING: ColumnClause[str] = literal_column(f"'{PENDING}'")
_DELIVERED: ColumnClause[str] = literal_column(f"'{DELIVERED}'")
_FAILED: ColumnClause[str] = literal_column(f"'{FAILED}'")
_ZERO: ColumnClause[int] = literal_column("0")
_ONE: ColumnClause[int] = literal_column("1")


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


@dataclass(frozen=True)
class AttemptRecord:
    """What an attempt changes: `status` pending with `retry_in_s`, or delivered or failed."""

    delivery_id: UUID
    lease: datetime
    status: str
    retry_in_s: float | None
    status_code: int | None
    error: str | None


@dataclass(frozen=True)
class Backlog:
    pending: int
    oldest_created_at: datetime | None


# Every endpoint with pending deliveries and its earliest `next_attempt_at` (its head), found
# by skipping from endpoint to endpoint through the (endpoint_id, next_attempt_at) index: one
# probe per such endpoint, however many deliveries each one holds.
_pending = (deliveries.c.status == _PENDING,)
_by_endpoint = (deliveries.c.endpoint_id, deliveries.c.next_attempt_at)
_heads = (
    select(*_by_endpoint)
    .where(*_pending)
    .order_by(*_by_endpoint)
    .limit(_ONE)
    .cte("heads", recursive=True)
)
_next_head = (
    select(*_by_endpoint)
    .where(*_pending, deliveries.c.endpoint_id > _heads.c.endpoint_id)
    .order_by(*_by_endpoint)
    .limit(_ONE)
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
        bindparam("busy_ids", type_=_UUIDS), bindparam("busy_counts", type_=ARRAY(Integer()))
    )
    .table_valued(column("endpoint_id", PgUUID(as_uuid=True)), column("running", Integer()))
    .render_derived(name="busy")
)
_room = bindparam("per_endpoint", type_=Integer()) - func.coalesce(_busy.c.running, _ZERO)
# Enabled endpoints with a delivery due and room for another attempt, the longest waiting first.
_ready = (
    select(_heads.c.endpoint_id, _heads.c.next_attempt_at, _room.label("room"))
    .select_from(
        _heads.join(endpoints, endpoints.c.id == _heads.c.endpoint_id).outerjoin(
            _busy, _busy.c.endpoint_id == _heads.c.endpoint_id
        )
    )
    .where(_heads.c.next_attempt_at <= func.now(), endpoints.c.enabled, _room > _ZERO)
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

_records = (
    func.unnest(
        bindparam("ids", type_=_UUIDS),
        bindparam("leases", type_=ARRAY(DateTime(timezone=True))),
        bindparam("statuses", type_=ARRAY(Text())),
        bindparam("waits", type_=ARRAY(Float())),
        bindparam("codes", type_=ARRAY(Integer())),
        bindparam("errors", type_=ARRAY(Text())),
    )
    .table_valued(
        column("id", PgUUID(as_uuid=True)),
        column("lease", DateTime(timezone=True)),
        column("status", Text()),
        column("wait", Float()),
        column("status_code", Integer()),
        column("error", Text()),
    )
    .render_derived(name="attempt")
)
# Only where the row still holds the attempt's lease: otherwise the delivery moved on (retried
# by the API, claimed again after the lease ended) and its newer state stays.
_RECORD = compiled(
    update(deliveries)
    .where(
        deliveries.c.id == _records.c.id,
        deliveries.c.next_attempt_at == _records.c.lease,
        deliveries.c.status == _PENDING,
    )
    .values(
        status=_records.c.status,
        attempts=deliveries.c.attempts + _ONE,
        next_attempt_at=func.now() + _records.c.wait * literal_column("interval '1 second'"),
        last_status_code=_records.c.status_code,
        last_error=_records.c.error,
        delivered_at=case((_records.c.status == _DELIVERED, func.now()), else_=null()),
        updated_at=func.now(),
    )
    .returning(deliveries.c.id)
)
_DISABLE_ENDPOINT = compiled(
    update(endpoints)
    .where(endpoints.c.id == bindparam("endpoint_id"))
    .values(enabled=false(), updated_at=func.now())
)
_FAIL_PENDING = compiled(
    update(deliveries)
    .where(deliveries.c.endpoint_id == bindparam("endpoint_id"), deliveries.c.status == _PENDING)
    .values(
        status=_FAILED,
        next_attempt_at=null(),
        last_error=bindparam("reason", type_=Text()),
        updated_at=func.now(),
    )
    .returning(deliveries.c.id)
)
_BACKLOG = compiled(
    select(func.count(), func.min(deliveries.c.created_at))
    .select_from(deliveries.join(endpoints, endpoints.c.id == deliveries.c.endpoint_id))
    .where(deliveries.c.status == _PENDING, endpoints.c.enabled)
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


async def record_attempts(
    connection: AsyncConnection[Any], records: Sequence[AttemptRecord]
) -> set[UUID]:
    """Writes each attempt's outcome where its lease still holds; returns those deliveries."""
    if not records:
        return set()
    params = {
        "ids": [r.delivery_id for r in records],
        "leases": [r.lease for r in records],
        "statuses": [r.status for r in records],
        "waits": [r.retry_in_s for r in records],
        "codes": [r.status_code for r in records],
        "errors": [r.error for r in records],
    }
    cursor = await connection.execute(_RECORD, params)
    return {row[0] for row in await cursor.fetchall()}


async def disable_endpoint(
    connection: AsyncConnection[Any], endpoint_id: UUID, *, reason: str
) -> int:
    """Disables the endpoint and fails its pending deliveries (attempts under way included:
    their outcomes no longer find the lease); returns how many it failed."""
    params = {"endpoint_id": endpoint_id, "reason": reason}
    await connection.execute(_DISABLE_ENDPOINT, params)
    cursor = await connection.execute(_FAIL_PENDING, params)
    return len(await cursor.fetchall())


async def backlog(connection: AsyncConnection[Any]) -> Backlog:
    """Pending deliveries of enabled endpoints (a disabled one's wait, on purpose), and the
    creation time of the oldest."""
    cursor = await connection.execute(_BACKLOG)
    row = await cursor.fetchone()
    count, oldest = row if row is not None else (0, None)
    return Backlog(pending=count, oldest_created_at=oldest)
