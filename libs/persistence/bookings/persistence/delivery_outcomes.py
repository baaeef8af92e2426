"""What the sender's webhook attempts write, on psycopg's async connections: each attempt's
outcome, and the end of an endpoint that answered 410 Gone.

Outcomes are written in batches, one statement each, and only where the row still holds the
attempt's lease (the claim's token, see `delivery_claims`): otherwise the delivery moved on
(retried by the API, claimed again after the lease ended) and its newer state stays. The
statements are compiled once from `tables` (see `statements.compiled`); times are PostgreSQL's
`now()`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection
from sqlalchemy import (
    DateTime,
    Float,
    Integer,
    Text,
    bindparam,
    case,
    column,
    false,
    func,
    literal_column,
    null,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PgUUID

from bookings.persistence.statements import compiled
from bookings.persistence.tables import webhook_deliveries as deliveries
from bookings.persistence.tables import webhook_endpoints as endpoints
from bookings.persistence.webhook_deliveries import (
    DELIVERED_SQL,
    FAILED_SQL,
    ONE_SQL,
    PENDING_SQL,
    UUID_ARRAY,
)


@dataclass(frozen=True)
class AttemptRecord:
    """What an attempt changes: `status` pending with `retry_in_s`, or delivered or failed."""

    delivery_id: UUID
    lease: datetime
    status: str
    retry_in_s: float | None
    status_code: int | None
    error: str | None


_records = (
    func.unnest(
        bindparam("ids", type_=UUID_ARRAY),
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
        deliveries.c.status == PENDING_SQL,
    )
    .values(
        status=_records.c.status,
        attempts=deliveries.c.attempts + ONE_SQL,
        next_attempt_at=func.now() + _records.c.wait * literal_column("interval '1 second'"),
        last_status_code=_records.c.status_code,
        last_error=_records.c.error,
        delivered_at=case((_records.c.status == DELIVERED_SQL, func.now()), else_=null()),
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
    .where(deliveries.c.endpoint_id == bindparam("endpoint_id"), deliveries.c.status == PENDING_SQL)
    .values(
        status=FAILED_SQL,
        next_attempt_at=null(),
        last_error=bindparam("reason", type_=Text()),
        updated_at=func.now(),
    )
    .returning(deliveries.c.id)
)


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
