"""The API's changes to webhook endpoints on psycopg's async connections: add one (a bounded
number per owner), change, delete, rotate the secret (rows and ownership as `webhook_endpoints`
says)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection
from sqlalchemy import (
    Interval,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    select,
    true,
    update,
)

from bookings.persistence.rows import RowMaker, T
from bookings.persistence.statements import compiled
from bookings.persistence.tables import webhook_endpoints as endpoints
from bookings.persistence.webhook_endpoints import (
    ENDPOINT_COLUMNS,
    endpoint_key,
    endpoint_param,
    fetch_one,
    visible_endpoint,
)

# Class of the advisory locks that queue one owner's new endpoints (the two-int key space).
OWNER_INSERTS = 0x7768  # "wh"


@dataclass(frozen=True)
class NewEndpoint:
    owner: str
    provider_id: str | None
    url: str
    events: list[str]
    secret: str


@dataclass(frozen=True)
class EndpointChange:
    """What a change sets; None leaves a column as it is."""

    url: str | None = None
    events: list[str] | None = None
    enabled: bool | None = None


_OWNER_TURN = compiled(
    select(
        func.pg_advisory_xact_lock(
            literal_column(str(OWNER_INSERTS)), func.hashtext(bindparam("owner"))
        )
    )
)
# Inserted only while the owner has fewer than `max_per_owner` endpoints. The count is exact
# because this runs after the owner's turn (`_OWNER_TURN`) in its own statement, whose snapshot
# (read committed) sees every endpoint of that owner committed before the turn was taken.
_owned = (
    select(func.count())
    .select_from(endpoints)
    .where(endpoints.c.owner == bindparam("owner"))
    .scalar_subquery()
)
_ADD = compiled(
    insert(endpoints)
    .from_select(
        [
            "id",
            "owner",
            "provider_id",
            "url",
            "events",
            "enabled",
            "secret",
            "created_at",
            "updated_at",
        ],
        select(
            func.gen_random_uuid(),
            endpoint_param("owner", "owner"),
            endpoint_param("provider_id", "provider_id"),
            endpoint_param("url", "url"),
            endpoint_param("events", "events"),
            true(),
            endpoint_param("secret", "secret"),
            func.now(),
            func.now(),
        ).where(_owned < bindparam("max_per_owner")),
    )
    .returning(*ENDPOINT_COLUMNS, endpoints.c.secret)
)
# A column left out of a change (its parameter NULL) keeps its value.
_CHANGE = {
    owned: compiled(
        update(endpoints)
        .where(*visible_endpoint(owned))
        .values(
            url=func.coalesce(endpoint_param("url", "url"), endpoints.c.url),
            events=func.coalesce(endpoint_param("events", "events"), endpoints.c.events),
            enabled=func.coalesce(endpoint_param("enabled", "enabled"), endpoints.c.enabled),
            updated_at=func.now(),
        )
        .returning(*ENDPOINT_COLUMNS)
    )
    for owned in (False, True)
}
_DELETE = {
    owned: compiled(delete(endpoints).where(*visible_endpoint(owned)).returning(endpoints.c.id))
    for owned in (False, True)
}
# SET expressions read the row as it was: the current secret becomes the previous one (replacing
# an older previous one), signing beside the new one until the grace period ends.
_ROTATE = {
    owned: compiled(
        update(endpoints)
        .where(*visible_endpoint(owned))
        .values(
            secret=endpoint_param("secret", "secret"),
            previous_secret=endpoints.c.secret,
            previous_secret_expires_at=func.now()
            + bindparam("previous_secret_ttl", type_=Interval()),
            updated_at=func.now(),
        )
        .returning(endpoints.c.secret)
    )
    for owned in (False, True)
}


async def add_endpoint(
    connection: AsyncConnection[Any],
    endpoint: NewEndpoint,
    *,
    max_per_owner: int,
    row: RowMaker[T],
) -> T | None:
    """The new endpoint (its secret last), enabled; None if its owner has `max_per_owner`
    endpoints already. One owner's inserts take turns, so concurrent ones cannot overshoot."""
    params = {
        "owner": endpoint.owner,
        "provider_id": endpoint.provider_id,
        "url": endpoint.url,
        "events": endpoint.events,
        "secret": endpoint.secret,
        "max_per_owner": max_per_owner,
    }
    async with connection.pipeline(), connection.transaction():
        await connection.execute(_OWNER_TURN, params)
        return await fetch_one(connection, _ADD, params, row)


async def change_endpoint(
    connection: AsyncConnection[Any],
    endpoint_id: UUID,
    owner: str | None,
    change: EndpointChange,
    row: RowMaker[T],
) -> T | None:
    params = endpoint_key(endpoint_id, owner) | {
        "url": change.url,
        "events": change.events,
        "enabled": change.enabled,
    }
    return await fetch_one(connection, _CHANGE[owner is not None], params, row)


async def delete_endpoint(
    connection: AsyncConnection[Any], endpoint_id: UUID, owner: str | None
) -> bool:
    """Whether it existed (for `owner`); its deliveries go with it (ON DELETE CASCADE)."""
    cursor = await connection.execute(_DELETE[owner is not None], endpoint_key(endpoint_id, owner))
    return await cursor.fetchone() is not None


async def rotate_secret(
    connection: AsyncConnection[Any],
    endpoint_id: UUID,
    owner: str | None,
    *,
    secret: str,
    previous_secret_ttl: timedelta,
) -> str | None:
    """Makes `secret` the endpoint's secret; the one it replaces keeps signing for
    `previous_secret_ttl`. The new secret, or None if there is no such endpoint."""
    params = endpoint_key(endpoint_id, owner) | {
        "secret": secret,
        "previous_secret_ttl": previous_secret_ttl,
    }
    cursor = await connection.execute(_ROTATE[owner is not None], params)
    found = await cursor.fetchone()
    return None if found is None else str(found[0])
