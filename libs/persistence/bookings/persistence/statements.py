"""Every statement on bookings and the outbox, defined once from the tables and compiled once.

Each is written with SQLAlchemy Core against `tables` (the schema Alembic checks) and compiled
at import into PostgreSQL SQL with `%(name)s` placeholders. The API runs that text on psycopg's
async connections as prepared statements; the worker runs the very same text through
SQLAlchemy's `exec_driver_sql`. Rows come back as tuples in the table's column order.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ClauseElement,
    Insert,
    Update,
    bindparam,
    func,
    insert,
    literal_column,
    select,
    true,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import psycopg
from sqlalchemy.sql import ColumnElement

from bookings.domain.commands import Period
from bookings.persistence.tables import bookings, outbox

_DIALECT = psycopg.dialect()


def compiled(statement: ClauseElement, *, values: list[str] | None = None) -> str:
    """The statement as PostgreSQL SQL with psycopg's `%(name)s` placeholders; an INSERT or
    UPDATE without explicit values sets the columns named in `values`, each from the parameter
    of the same name."""
    return str(statement.compile(dialect=_DIALECT, column_keys=values))


def _with_event(change: Insert | Update) -> str:
    """`change` (one booking row) and the outbox row of its event, as one statement: the event
    is written exactly when the change is, with the booking columns the relay needs taken from
    the changed row. Its RETURNING row (the outbox id) says it was."""
    changed = change.returning(*(bookings.c[name] for name in _BOOKING_FACTS)).cte("changed")
    event = select(
        *(bindparam(name, type_=outbox.c[column].type) for name, column in _EVENT_PARAMS),
        *(changed.c[name] for name in _BOOKING_FACTS),
    )
    columns = [column for _, column in _EVENT_PARAMS] + [
        "booking_id" if name == "id" else name for name in _BOOKING_FACTS
    ]
    return compiled(
        insert(outbox).from_select(columns, event).add_cte(changed).returning(outbox.c.id)
    )


# Parameter names of the event's outbox row (the booking's own `created_at` is taken).
_EVENT_PARAMS = (
    ("event_id", "event_id"),
    ("event_type", "event_type"),
    ("event_data", "data"),
    ("occurred_at", "created_at"),
)
# Columns of the changed booking that its outbox row repeats (`id` as `booking_id`).
_BOOKING_FACTS = ("id", "provider_id", "version", "reminder_due_at")
_BOOKING_VALUES = {c.name: bindparam(c.name, type_=c.type) for c in bookings.c}

# Class of the advisory locks that queue one provider's new bookings (the two-int key space).
PROVIDER_INSERTS = 0x626B  # "bk"
# Inserts of one provider take their turn: PostgreSQL's exclusion check lets two in-flight
# overlapping inserts wait for each other (a deadlock it breaks after a second), so a rush of
# creates for one slot would otherwise cost each loser a deadlock instead of a quick 409. The
# lock is taken by the SELECT that feeds the INSERT, so before the row exists; it is held to
# the end of the transaction. Providers that share a hash only wait a little for each other.
_provider_turn = func.pg_advisory_xact_lock(
    literal_column(str(PROVIDER_INSERTS)), func.hashtext(bindparam("provider_id"))
)
_PROVIDER_TURN = select(_provider_turn.label("turn")).subquery("provider_turn")
# The same turn taken on its own, by a transaction that must decide on the provider's bookings
# before it inserts one (a booking that must fit the provider's free slots).
TAKE_PROVIDER_TURN = compiled(select(_provider_turn))
ADD_BOOKING = _with_event(
    insert(bookings).from_select(
        list(_BOOKING_VALUES),
        select(*_BOOKING_VALUES.values()).select_from(_PROVIDER_TURN),
    )
)
# The key never changes: it is matched by `booking_id`, with the version it was loaded at.
SAVE_BOOKING = _with_event(
    update(bookings)
    .where(
        bookings.c.id == bindparam("booking_id"),
        bookings.c.version == bindparam("loaded_version"),
    )
    .values({name: value for name, value in _BOOKING_VALUES.items() if name != "id"})
)
_BY_ID = select(bookings).where(bookings.c.id == bindparam("booking_id"))
# `provider_id` narrows a lookup to one provider's bookings: how a provider's ownership reaches
# the WHERE clause (an admin's lookups leave it out).
BOOKING = {
    False: compiled(_BY_ID),
    True: compiled(_BY_ID.where(bookings.c.provider_id == bindparam("provider_id"))),
}
BOOKING_FOR_UPDATE = compiled(_BY_ID.with_for_update())


def _list_statement(period: Period, *, one_provider: bool, after: bool) -> str:
    """One kind of list: a page of rows (one more than asked, to tell whether more follow),
    each with how many bookings match, counted up to `count_limit`, in one round trip.

    The count is joined to the page (`ON true`), so an empty page still gives one row: the
    count, with no booking (its columns NULL). Counting stops at `count_limit`, so a page costs
    the same whatever the size of the range; both halves read the (provider_id, start_time, id)
    index (or (start_time, id) across providers).
    """
    upcoming = period is Period.UPCOMING
    start, key = bookings.c.start_time, bookings.c.id
    conditions: list[ColumnElement[bool]] = [
        start >= bindparam("now") if upcoming else start < bindparam("now")
    ]
    if one_provider:
        conditions.append(bookings.c.provider_id == bindparam("provider_id"))
    position = tuple_(start, key)
    cursor = tuple_(
        bindparam("after_start", type_=start.type), bindparam("after_id", type_=key.type)
    )
    page_conditions = [*conditions]
    if after:
        page_conditions.append(position > cursor if upcoming else position < cursor)

    def ordered(*columns: ColumnElement[Any]) -> list[Any]:
        return [c.asc() if upcoming else c.desc() for c in columns]

    # Within one provider, ordering by (provider_id, start, id) is the same order, and names the
    # (provider_id, start_time, id) index outright: PostgreSQL walks it even for a provider that
    # holds most of the table, where it would otherwise filter the (start_time, id) index.
    walk = (bookings.c.provider_id, start, key) if one_provider else (start, key)

    page = (
        select(bookings)
        .where(*page_conditions)
        .order_by(*ordered(*walk))
        .offset(bindparam("offset"))
        .limit(bindparam("page_limit"))
        .subquery("page")
    )
    # Ordered like the index, so that PostgreSQL walks the index and stops at `count_limit`,
    # whatever it estimates (a scan of the table would cost the table's size).
    capped = (
        select(literal_column("1"))
        .select_from(bookings)
        .where(*conditions)
        .order_by(*ordered(*walk))
        .limit(bindparam("count_limit"))
        .subquery("capped")
    )
    counted = select(func.count().label("counted")).select_from(capped).subquery("counted")
    return compiled(
        select(page, counted.c.counted)
        .select_from(counted.outerjoin(page, true()))
        .order_by(*ordered(page.c.start_time, page.c.id))
    )


LISTS = {
    (period, one_provider, after): _list_statement(period, one_provider=one_provider, after=after)
    for period in Period
    for one_provider in (True, False)
    for after in (True, False)
}
