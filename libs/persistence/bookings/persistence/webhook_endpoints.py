"""What the API's statements on webhook endpoints and their deliveries share: the columns a row
maker receives, which endpoint a caller may reach, and where a page stopped.

The statements themselves are in `endpoint_reads`, `endpoint_writes` and `endpoint_deliveries`,
each compiled once from `tables` (see `statements.compiled`). Ownership is part of each
statement, as for bookings (`reads`): `owner` narrows a lookup to the endpoints that subject
created (None: any, for an admin), so an endpoint the caller may not see is never read. Rows are
handed to a row maker in `ENDPOINT_COLUMNS` order (with the secret last where a statement
returns it); no secret leaves the database otherwise.

Times are PostgreSQL's `now()`, as in the deliveries the relay fans out, so that an endpoint's
times and its deliveries' are read off one clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import args_row
from sqlalchemy import bindparam
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.elements import BindParameter

from bookings.persistence.rows import RowMaker, T
from bookings.persistence.tables import webhook_endpoints as endpoints

# What a row maker receives, in order; statements that show the secret add it last.
ENDPOINT_COLUMNS = (
    endpoints.c.id,
    endpoints.c.provider_id,
    endpoints.c.url,
    endpoints.c.events,
    endpoints.c.enabled,
    endpoints.c.created_at,
)


@dataclass(frozen=True)
class Position:
    """Where a newest-first list stopped: the (created_at, id) of the last row a client saw."""

    created_at: datetime
    id: UUID


def page_params(after: Position | None, limit: int) -> dict[str, Any]:
    """The parameters of a page of up to `limit` rows after `after` (one more is read, to tell
    whether more follow)."""
    params: dict[str, Any] = {"page_limit": limit + 1}
    if after is not None:
        params["after_created_at"] = after.created_at
        params["after_id"] = after.id
    return params


def endpoint_param(name: str, column: str) -> BindParameter[Any]:
    """A parameter typed as the endpoints' `column`."""
    return bindparam(name, type_=endpoints.c[column].type)


def visible_endpoint(owned: bool) -> list[ColumnElement[bool]]:
    """The endpoint named by `endpoint_id`, narrowed to `owner`'s if `owned`."""
    conditions = [endpoints.c.id == bindparam("endpoint_id")]
    if owned:
        conditions.append(endpoints.c.owner == bindparam("owner"))
    return conditions


def endpoint_key(endpoint_id: UUID, owner: str | None) -> dict[str, Any]:
    """The parameters of `visible_endpoint`, narrowed to `owner`'s unless None."""
    params: dict[str, Any] = {"endpoint_id": endpoint_id}
    if owner is not None:
        params["owner"] = owner
    return params


async def fetch_one(
    connection: AsyncConnection[Any], sql: str, params: dict[str, Any], row: RowMaker[T]
) -> T | None:
    """The first row the statement returns, made by `row`; None if it returns none."""
    cursor = connection.cursor(row_factory=args_row(row))
    await cursor.execute(sql, params)
    return await cursor.fetchone()
