"""Providers' secret calendar feeds: the token that names a feed, and what a feed shows.

Only a token's SHA-256 is stored (the token is shown once, to its provider), so the table
hands out no one's calendar. A feed is read in one statement: the token finds its provider and
the provider's bookings in the window come with it. What it would show can be told apart
without reading it: `fetch_listing` has PostgreSQL digest the feed's (id, version) pairs, in
order, exactly as `listing_digest` does with rows already read; a booking's version moves
with every change of it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection
from sqlalchemy import and_, bindparam, func, literal_column, select
from sqlalchemy.dialects.postgresql import aggregate_order_by, insert

from bookings.persistence.rows import RowMaker, T
from bookings.persistence.statements import compiled
from bookings.persistence.tables import bookings, calendar_feeds

# What a feed entry is made of, in order.
FEED_COLUMNS = (
    bookings.c.id,
    bookings.c.title,
    bookings.c.start_time,
    bookings.c.end_time,
    bookings.c.status,
    bookings.c.version,
    bookings.c.created_at,
    bookings.c.updated_at,
)

_new_token = insert(calendar_feeds).values(
    provider_id=bindparam("provider_id"),
    token_hash=bindparam("token_hash", type_=calendar_feeds.c.token_hash.type),
    created_at=func.now(),
)
# A provider has one feed: a new token replaces the old one, whose URL then finds nothing.
_SET_TOKEN = compiled(
    _new_token.on_conflict_do_update(
        index_elements=[calendar_feeds.c.provider_id],
        set_={"token_hash": _new_token.excluded.token_hash, "created_at": func.now()},
    )
)
# A feed's bookings: its provider's that start within [since, until).
_in_window = and_(
    bookings.c.provider_id == calendar_feeds.c.provider_id,
    bookings.c.start_time >= bindparam("since", type_=bookings.c.start_time.type),
    bookings.c.start_time < bindparam("until", type_=bookings.c.start_time.type),
)
# The feed's provider, then its bookings that start within [since, until), by start; a feed
# with none is one row with the booking columns NULL.
_FEED = compiled(
    select(calendar_feeds.c.provider_id, *FEED_COLUMNS)
    .select_from(calendar_feeds.outerjoin(bookings, _in_window))
    .where(calendar_feeds.c.token_hash == bindparam("token_hash"))
    .order_by(bookings.c.start_time, bookings.c.id)
)
# md5 over "id:version" joined by ",", in feed order; '' for a feed with no bookings.
_LISTING = compiled(
    select(
        calendar_feeds.c.provider_id,
        func.md5(
            func.coalesce(
                func.string_agg(
                    func.concat(bookings.c.id, literal_column("':'"), bookings.c.version),
                    aggregate_order_by(literal_column("','"), bookings.c.start_time, bookings.c.id),
                ).filter(bookings.c.id.is_not(None)),
                literal_column("''"),
            )
        ),
    )
    .select_from(calendar_feeds.outerjoin(bookings, _in_window))
    .where(calendar_feeds.c.token_hash == bindparam("token_hash"))
    .group_by(calendar_feeds.c.provider_id)
)


def listing_digest(listing: Iterable[tuple[UUID, int]]) -> str:
    """What `fetch_listing` digests, from (id, version) pairs in feed order."""
    joined = ",".join(f"{booking_id}:{version}" for booking_id, version in listing)
    return hashlib.md5(joined.encode(), usedforsecurity=False).hexdigest()


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def set_feed_token(connection: AsyncConnection[Any], provider_id: str, token: str) -> None:
    """Makes `token` the provider's feed token, replacing the one it had."""
    await connection.execute(
        _SET_TOKEN, {"provider_id": provider_id, "token_hash": token_hash(token)}
    )


async def fetch_listing(
    connection: AsyncConnection[Any], token: str, since: datetime, until: datetime
) -> tuple[str, str] | None:
    """The provider whose feed `token` names and the `listing_digest` of its bookings starting
    within [since, until); None for a token that names no feed."""
    cursor = await connection.execute(
        _LISTING, {"token_hash": token_hash(token), "since": since, "until": until}
    )
    found: tuple[str, str] | None = await cursor.fetchone()
    return found


async def fetch_feed(
    connection: AsyncConnection[Any],
    token: str,
    since: datetime,
    until: datetime,
    entry: RowMaker[T],
) -> tuple[str, list[T]] | None:
    """The provider whose feed `token` names and its bookings starting within [since, until),
    by start; None for a token that names no feed."""
    cursor = await connection.execute(
        _FEED, {"token_hash": token_hash(token), "since": since, "until": until}
    )
    rows = await cursor.fetchall()
    if not rows:
        return None
    return rows[0][0], [entry(*values[1:]) for values in rows if values[1] is not None]
