"""One webhook endpoint's deliveries as the API shows them: pages, newest first, and retries.

Each is one statement that finds the endpoint (narrowed to `owner`'s, as in
`webhook_endpoints`) and its deliveries together, so a caller learns in one round trip whether
the endpoint is visible at all: an endpoint without deliveries is an empty page, one it may not
see is None. Rows are handed to a row maker in `DELIVERY_COLUMNS` order.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg import AsyncConnection
from sqlalchemy import (
    bindparam,
    exists,
    func,
    null,
    select,
    true,
    tuple_,
    update,
)
from sqlalchemy.sql import ColumnElement

from bookings.persistence.rows import RowMaker, T
from bookings.persistence.statements import compiled
from bookings.persistence.tables import webhook_deliveries as deliveries
from bookings.persistence.tables import webhook_endpoints as endpoints
from bookings.persistence.webhook_deliveries import PENDING_SQL
from bookings.persistence.webhook_endpoints import (
    Position,
    endpoint_key,
    fetch_one,
    page_params,
    visible_endpoint,
)

DELIVERY_COLUMNS = (
    deliveries.c.id,
    deliveries.c.event_id,
    deliveries.c.event_type,
    deliveries.c.status,
    deliveries.c.attempts,
    deliveries.c.last_status_code,
    deliveries.c.last_error,
    deliveries.c.next_attempt_at,
    deliveries.c.delivered_at,
    deliveries.c.created_at,
)
_FIELDS = len(DELIVERY_COLUMNS)


def _page_statement(*, owned: bool, one_status: bool, after: bool) -> str:
    """The visible endpoint's id, joined to a page of its deliveries newest first (one more than
    asked, to tell whether more follow). The join is outer (`ON true`), so an endpoint without
    deliveries still gives one row, its delivery columns NULL; no row: no visible endpoint. The
    page walks the (endpoint_id, created_at, id) index backwards."""
    endpoint = select(endpoints.c.id).where(*visible_endpoint(owned)).subquery("endpoint")
    conditions: list[ColumnElement[bool]] = [deliveries.c.endpoint_id == endpoint.c.id]
    if one_status:
        conditions.append(deliveries.c.status == bindparam("status"))
    if after:
        cursor = tuple_(
            bindparam("after_created_at", type_=deliveries.c.created_at.type),
            bindparam("after_id", type_=deliveries.c.id.type),
        )
        conditions.append(tuple_(deliveries.c.created_at, deliveries.c.id) < cursor)
    page = (
        select(*DELIVERY_COLUMNS)
        .where(*conditions)
        .order_by(deliveries.c.created_at.desc(), deliveries.c.id.desc())
        .limit(bindparam("page_limit"))
        .lateral("page")
    )
    return compiled(
        select(*page.c, endpoint.c.id.label("endpoint_id"))
        .select_from(endpoint.outerjoin(page, true()))
        .order_by(page.c.created_at.desc(), page.c.id.desc())
    )


_PAGES = {
    (owned, one_status, after): _page_statement(owned=owned, one_status=one_status, after=after)
    for owned in (False, True)
    for one_status in (False, True)
    for after in (False, True)
}
# Due now, whatever became of it: PostgreSQL's `now()` is the clock the sender's wake-up trigger
# compares with. Attempts, the last status and error stay, describing the last attempt made.
_RETRY = {
    owned: compiled(
        update(deliveries)
        .where(
            deliveries.c.id == bindparam("delivery_id"),
            deliveries.c.endpoint_id == bindparam("endpoint_id"),
            exists(select(endpoints.c.id).where(*visible_endpoint(owned))),
        )
        .values(
            status=PENDING_SQL,
            next_attempt_at=func.now(),
            delivered_at=null(),
            updated_at=func.now(),
        )
        .returning(*DELIVERY_COLUMNS)
    )
    for owned in (False, True)
}


async def fetch_deliveries(
    connection: AsyncConnection[Any],
    endpoint_id: UUID,
    owner: str | None,
    *,
    status: str | None,
    after: Position | None,
    limit: int,
    row: RowMaker[T],
) -> tuple[list[T], bool] | None:
    """Up to `limit` deliveries of the endpoint, newest first, after `after`, of one `status`
    if given; and whether more follow. None if `owner` (None: anyone) has no such endpoint."""
    params = endpoint_key(endpoint_id, owner) | page_params(after, limit)
    if status is not None:
        params["status"] = status
    sql = _PAGES[owner is not None, status is not None, after is not None]
    cursor = await connection.execute(sql, params)
    rows = await cursor.fetchall()
    if not rows:
        return None
    items = [row(*values[:_FIELDS]) for values in rows if values[0] is not None]
    return items[:limit], len(items) > limit


async def retry_delivery(
    connection: AsyncConnection[Any],
    endpoint_id: UUID,
    delivery_id: UUID,
    owner: str | None,
    row: RowMaker[T],
) -> T | None:
    """Makes the delivery pending and due now; None if `owner` has no such endpoint or the
    endpoint no such delivery."""
    params = endpoint_key(endpoint_id, owner) | {"delivery_id": delivery_id}
    return await fetch_one(connection, _RETRY[owner is not None], params, row)
