"""The API's reads of webhook endpoints on psycopg's async connections: one endpoint, and pages
of them newest first (rows and ownership as `webhook_endpoints` says)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import args_row
from sqlalchemy import bindparam, select, tuple_
from sqlalchemy.sql import ColumnElement

from bookings.persistence.rows import RowMaker, T
from bookings.persistence.statements import compiled
from bookings.persistence.tables import webhook_endpoints as endpoints
from bookings.persistence.webhook_endpoints import (
    ENDPOINT_COLUMNS,
    Position,
    endpoint_key,
    endpoint_param,
    fetch_one,
    page_params,
    visible_endpoint,
)

_ENDPOINT = {
    owned: compiled(select(*ENDPOINT_COLUMNS).where(*visible_endpoint(owned)))
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
        cursor = tuple_(
            endpoint_param("after_created_at", "created_at"), endpoint_param("after_id", "id")
        )
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


async def fetch_endpoint(
    connection: AsyncConnection[Any], endpoint_id: UUID, owner: str | None, row: RowMaker[T]
) -> T | None:
    sql = _ENDPOINT[owner is not None]
    return await fetch_one(connection, sql, endpoint_key(endpoint_id, owner), row)


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
    params = page_params(after, limit)
    if owner is not None:
        params["owner"] = owner
    if provider_id is not None:
        params["provider_id"] = provider_id
    sql = _LISTS[owner is not None, provider_id is not None, after is not None]
    cursor = connection.cursor(row_factory=args_row(row))
    await cursor.execute(sql, params)
    found = await cursor.fetchall()
    return found[:limit], len(found) > limit
