"""The API's webhook endpoints on psycopg's async connections: add, find, list, change, delete,
rotate the secret.

Every statement is compiled once from `tables` (see `statements.compiled`). Ownership is part
of each statement, as for bookings (`reads`): `owner` narrows a lookup to the endpoints that
subject created (None: any, for an admin), so an endpoint the caller may not see is never read.
Rows are handed to a row maker in `ENDPOINT_COLUMNS` order (with the secret last where a
statement returns it); no secret leaves the database otherwise.

Times are PostgreSQL's `now()`, as in the deliveries the relay fans out, so that an endpoint's
times and its deliveries' are read off one clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import args_row
from sqlalchemy import (
    Interval,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    select,
    true,
    tuple_,
    update,
)
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.elements import BindParameter

from bookings.persistence.statements import compiled
from bookings.persistence.tables import webhook_endpoints as endpoints

T = TypeVar("T")
RowMaker = Callable[..., T]

# What a row maker receives, in order; statements that show the secret add it last.
ENDPOINT_COLUMNS = (
    endpoints.c.id,
    endpoints.c.provider_id,
    endpoints.c.url,
    endpoints.c.events,
    endpoints.c.enabled,
    endpoints.c.created_at,
)
# Class of the advisory locks that queue one owner's new endpoints (the two-int key space).
OWNER_INSERTS = 0x7768  # "wh"


@dataclass(frozen=True)
class Position:
    """Where a newest-first list stopped: the (created_at, id) of the last row a client saw."""

    created_at: datetime
    id: UUID


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


def _param(name: str, column: str) -> BindParameter[Any]:
    return bindparam(name, type_=endpoints.c[column].type)


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
            _param("owner", "owner"),
            _param("provider_id", "provider_id"),
            _param("url", "url"),
            _param("events", "events"),
            true(),
            _param("secret", "secret"),
            func.now(),
            func.now(),
        ).where(_owned < bindparam("max_per_owner")),
    )
    .returning(*ENDPOINT_COLUMNS, endpoints.c.secret)
)


def _narrowed(owned: bool) -> list[ColumnElement[bool]]:
    """The endpoint named by `endpoint_id`, narrowed to `owner`'s if `owned`."""
    conditions = [endpoints.c.id == bindparam("endpoint_id")]
    if owned:
        conditions.append(endpoints.c.owner == bindparam("owner"))
    return conditions


_ENDPOINT = {
    owned: compiled(select(*ENDPOINT_COLUMNS).where(*_narrowed(owned))) for owned in (False, True)
}
# A column left out of a change (its parameter NULL) keeps its value.
_CHANGE = {
    owned: compiled(
        update(endpoints)
        .where(*_narrowed(owned))
        .values(
            url=func.coalesce(_param("url", "url"), endpoints.c.url),
            events=func.coalesce(_param("events", "events"), endpoints.c.events),
            enabled=func.coalesce(_param("enabled", "enabled"), endpoints.c.enabled),
            updated_at=func.now(),
        )
        .returning(*ENDPOINT_COLUMNS)
    )
    for owned in (False, True)
}
_DELETE = {
    owned: compiled(delete(endpoints).where(*_narrowed(owned)).returning(endpoints.c.id))
    for owned in (False, True)
}
# SET expressions read the row as it was: the current secret becomes the previous one (replacing
# an older previous one), signing beside the new one until the grace period ends.
_ROTATE = {
    owned: compiled(
        update(endpoints)
        .where(*_narrowed(owned))
        .values(
            secret=_param("secret", "secret"),
            previous_secret=endpoints.c.secret,
            previous_secret_expires_at=func.now()
            + bindparam("previous_secret_ttl", type_=Interval()),
            updated_at=func.now(),
        )
        .returning(endpoints.c.secret)
    )
    for owned in (False, True)
}


def _list_statement(*, owned: bool, one_provider: bool, after: bool) -> str:
    """A page of endpoints, newest first (one more than asked, to tell whether more follow)."""
    conditions: list[ColumnElement[bool]] = []
    if owned:
        conditions.append(endpoints.c.owner == bindparam("owner"))
    if one_provider:
        conditions.append(endpoints.c.provider_id == bindparam("provider_id"))
    position = tuple_(endpoints.c.created_at, endpoints.c.id)
    if after:
        cursor = tuple_(_param("after_created_at", "created_at"), _param("after_id", "id"))
        conditions.append(position < cursor)
    return compiled(
        select(*ENDPOINT_COLUMNS)
        .where(*conditions)
        .order_by(endpoints.c.created_at.desc(), endpoints.c.id.desc())
        .limit(bindparam("page_limit"))
    )


_LISTS = {
    (owned, one_provider, after): _list_statement(
        owned=owned, one_provider=one_provider, after=after
    )
    for owned in (False, True)
    for one_provider in (False, True)
    for after in (False, True)
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
        cursor = connection.cursor(row_factory=args_row(row))
        await cursor.execute(_ADD, params)
        return await cursor.fetchone()


async def fetch_endpoint(
    connection: AsyncConnection[Any], endpoint_id: UUID, owner: str | None, row: RowMaker[T]
) -> T | None:
    return await _one(connection, _ENDPOINT[owner is not None], _key(endpoint_id, owner), row)


async def fetch_endpoints(
    connection: AsyncConnection[Any],
    *,
    owner: str | None,
    provider_id: str | None,
    after: Position | None,
    limit: int,
    row: RowMaker[T],
) -> tuple[list[T], bool]:
    """Up to `limit` endpoints, newest first, after `after`; and whether more follow.
    `provider_id` keeps the endpoints that receive that provider's events only."""
    params: dict[str, Any] = {"page_limit": limit + 1}
    if owner is not None:
        params["owner"] = owner
    if provider_id is not None:
        params["provider_id"] = provider_id
    if after is not None:
        params["after_created_at"] = after.created_at
        params["after_id"] = after.id
    sql = _LISTS[owner is not None, provider_id is not None, after is not None]
    cursor = connection.cursor(row_factory=args_row(row))
    await cursor.execute(sql, params)
    found = await cursor.fetchall()
    return found[:limit], len(found) > limit


async def change_endpoint(
    connection: AsyncConnection[Any],
    endpoint_id: UUID,
    owner: str | None,
    change: EndpointChange,
    row: RowMaker[T],
) -> T | None:
    params = _key(endpoint_id, owner) | {
        "url": change.url,
        "events": change.events,
        "enabled": change.enabled,
    }
    return await _one(connection, _CHANGE[owner is not None], params, row)


async def delete_endpoint(
    connection: AsyncConnection[Any], endpoint_id: UUID, owner: str | None
) -> bool:
    """Whether it existed (for `owner`); its deliveries go with it (ON DELETE CASCADE)."""
    cursor = await connection.execute(_DELETE[owner is not None], _key(endpoint_id, owner))
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
    params = _key(endpoint_id, owner) | {
        "secret": secret,
        "previous_secret_ttl": previous_secret_ttl,
    }
    cursor = await connection.execute(_ROTATE[owner is not None], params)
    found = await cursor.fetchone()
    return None if found is None else str(found[0])


def _key(endpoint_id: UUID, owner: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {"endpoint_id": endpoint_id}
    if owner is not None:
        params["owner"] = owner
    return params


async def _one(
    connection: AsyncConnection[Any], sql: str, params: dict[str, Any], row: RowMaker[T]
) -> T | None:
    cursor = connection.cursor(row_factory=args_row(row))
    await cursor.execute(sql, params)
    return await cursor.fetchone()
