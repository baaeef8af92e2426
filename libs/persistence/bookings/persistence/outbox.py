"""The relay's side of the outbox: take the turn, claim unpublished rows, mark them published,
measure lag.

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

from sqlalchemy import Connection, Text, cast, func, select, update

from bookings.persistence.tables import outbox

# The advisory lock that names "the relay publishing now" (any constant unique in the database).
RELAY_LOCK = 0x6F7574626F78  # "outbox"


def take_relay_turn(connection: Connection) -> bool:
    """Whether this transaction is the one relay publishing now; the turn lasts until it ends."""
    return bool(connection.execute(select(func.pg_try_advisory_xact_lock(RELAY_LOCK))).scalar())


@dataclass(frozen=True)
class OutboxRow:
    id: int
    event_id: UUID
    channel: str
    payload: bytes  # the envelope JSON as stored (PostgreSQL's text form of the JSONB)
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
            # The text form is published as is: no JSON round trip through Python objects.
            cast(outbox.c.payload, Text).label("payload_text"),
            outbox.c.created_at,
        )
        .where(outbox.c.published_at.is_(None))
        .order_by(outbox.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [
        OutboxRow(
            id=row.id,
            event_id=row.event_id,
            channel=row.event_type,
            payload=row.payload_text.encode(),
            created_at=row.created_at,
        )
        for row in connection.execute(statement)
    ]


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
