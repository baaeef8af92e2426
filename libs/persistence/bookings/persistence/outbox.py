"""The relay's side of the outbox: claim unpublished rows, mark them published, measure lag.

Claiming locks rows with `FOR UPDATE SKIP LOCKED`: relays running at once each take rows that no
other relay holds, and a row stays unpublished until the transaction that claimed it commits its
`published_at`. A relay that dies mid-batch rolls back, and its rows are claimed again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Text, cast, func, select, update

from bookings.persistence.tables import outbox


@dataclass(frozen=True)
class OutboxRow:
    id: int
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
