"""The relay's side of the outbox: take the turn, claim unpublished rows, record their webhook
deliveries, mark them published, measure lag.

Relays take turns: a batch runs only in the transaction that holds the relay advisory lock, so
one relay publishes at a time, in outbox order (more relays give failover, not throughput). A
booking's events are inserted in version order, each after the one before it committed (its row
is locked by the change until then), so publishing in outbox order publishes them in version
order. A row stays unpublished until the transaction that claimed it commits its
`published_at`; a relay that dies mid-batch rolls back, and its rows are claimed again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import Connection, any_, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert

from bookings.persistence.tables import outbox, webhook_deliveries, webhook_endpoints

# The advisory lock that names "the relay publishing now" (any constant unique in the database).
RELAY_LOCK = 0x6F7574626F78  # "outbox"


def take_relay_turn(connection: Connection) -> bool:
    """Whether this transaction is the one relay publishing now; the turn lasts until it ends."""
    return bool(connection.execute(select(func.pg_try_advisory_xact_lock(RELAY_LOCK))).scalar())


@dataclass(frozen=True)
class OutboxRow:
    id: int
    event_id: UUID
    event_type: str
    booking_id: UUID
    provider_id: str
    version: int
    reminder_due_at: datetime | None
    data: bytes  # the event's data JSON, as encoded when the change committed
    created_at: datetime


@dataclass(frozen=True)
class OutboxLag:
    unpublished: int
    oldest_created_at: datetime | None


def claim_unpublished(connection: Connection, *, limit: int) -> list[OutboxRow]:
    """Locks up to `limit` of the oldest unpublished rows until the transaction ends."""
    statement = (
        select(
            outbox.c.id,
            outbox.c.event_id,
            outbox.c.event_type,
            outbox.c.booking_id,
            outbox.c.provider_id,
            outbox.c.version,
            outbox.c.reminder_due_at,
            outbox.c.data,
            outbox.c.created_at,
        )
        .where(outbox.c.published_at.is_(None))
        .order_by(outbox.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [OutboxRow(*row) for row in connection.execute(statement)]


def record_webhook_deliveries(connection: Connection, ids: Sequence[int]) -> int:
    """One pending delivery of each of these rows' events per enabled endpoint that wants it
    (its event types, and its provider unless it has none); returns how many were new. Running
    it again for the same rows adds nothing."""
    if not ids:
        return 0
    now = func.now()
    wanted = (
        select(
            func.gen_random_uuid(),
            webhook_endpoints.c.id,
            outbox.c.event_id,
            outbox.c.event_type,
            outbox.c.data,
            outbox.c.created_at,
            literal("pending"),
            literal(0),
            now,
            now,
            now,
        )
        .join(
            webhook_endpoints,
            webhook_endpoints.c.enabled
            & (outbox.c.event_type == any_(webhook_endpoints.c.events))
            & or_(
                webhook_endpoints.c.provider_id.is_(None),
                webhook_endpoints.c.provider_id == outbox.c.provider_id,
            ),
        )
        .where(outbox.c.id.in_(list(ids)))
    )
    columns = [
        "id",
        "endpoint_id",
        "event_id",
        "event_type",
        "data",
        "occurred_at",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
        "updated_at",
    ]
    statement = (
        insert(webhook_deliveries)
        .from_select(columns, wanted)
        .on_conflict_do_nothing(index_elements=["endpoint_id", "event_id"])
    )
    return connection.execute(statement).rowcount


def mark_published(connection: Connection, ids: Sequence[int], *, now: datetime) -> None:
    if ids:
        connection.execute(
            update(outbox).where(outbox.c.id.in_(list(ids))).values(published_at=now)
        )


def outbox_lag(connection: Connection) -> OutboxLag:
    """How many rows wait to be published, and since when the oldest waits."""
    statement = select(func.count(), func.min(outbox.c.created_at)).where(
        outbox.c.published_at.is_(None)
    )
    count, oldest = connection.execute(statement).one()
    return OutboxLag(unpublished=count, oldest_created_at=oldest)
