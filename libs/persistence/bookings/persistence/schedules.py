"""Providers' working hours and what fills them: the statements behind a provider's schedule,
its free slots, and the check that a new booking fits them.

A schedule is stored as the API takes and shows it (its hours as JSON, checked before they
are stored) and handed back as JSON text, for the caller to decode into its own types. Every
statement is compiled once from `tables` (see `statements.compiled`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import args_row
from sqlalchemy import Text, bindparam, cast, func, select, text
from sqlalchemy.dialects.postgresql import JSONB, insert

from bookings.domain.rules import MAX_DURATION
from bookings.persistence import statements
from bookings.persistence.rows import RowMaker, T
from bookings.persistence.statements import compiled
from bookings.persistence.tables import bookings, provider_schedules

Busy = list[tuple[datetime, datetime]]

_schedules = provider_schedules.c
# What a row maker receives, in order: the hours come as JSON text.
SCHEDULE_COLUMNS = (
    _schedules.provider_id,
    _schedules.time_zone,
    cast(_schedules.weekly, Text),
    cast(_schedules.overrides, Text),
    _schedules.buffer_minutes,
    _schedules.minimum_notice_minutes,
    _schedules.updated_at,
)


@dataclass(frozen=True)
class NewSchedule:
    provider_id: str
    time_zone: str
    weekly: str  # JSON text
    overrides: str  # JSON text
    buffer_minutes: int
    minimum_notice_minutes: int


def _value(name: str) -> Any:
    return bindparam(name, type_=_schedules[name].type)


_upsert = insert(provider_schedules).values(
    provider_id=_value("provider_id"),
    time_zone=_value("time_zone"),
    weekly=cast(bindparam("weekly", type_=Text), JSONB),
    overrides=cast(bindparam("overrides", type_=Text), JSONB),
    buffer_minutes=_value("buffer_minutes"),
    minimum_notice_minutes=_value("minimum_notice_minutes"),
    created_at=func.now(),
    updated_at=func.now(),
)
_SAVE = compiled(
    _upsert.on_conflict_do_update(
        index_elements=[_schedules.provider_id],
        set_={
            name: _upsert.excluded[name]
            for name in (
                "time_zone",
                "weekly",
                "overrides",
                "buffer_minutes",
                "minimum_notice_minutes",
                "updated_at",
            )
        },
    ).returning(*SCHEDULE_COLUMNS)
)
_SCHEDULE = compiled(
    select(*SCHEDULE_COLUMNS).where(_schedules.provider_id == bindparam("provider_id"))
)
# Scheduled bookings that overlap [start, end), by start. A booking lasts at most MAX_DURATION,
# so the (provider_id, start_time, id) index is walked over a bounded range of starts.
_BUSY = compiled(
    select(bookings.c.start_time, bookings.c.end_time)
    .where(
        bookings.c.provider_id == bindparam("provider_id"),
        # The predicate of the no-overlap constraint: the bookings that hold their time.
        text("bookings.status = 'scheduled'"),
        bookings.c.start_time >= bindparam("earliest_start", type_=bookings.c.start_time.type),
        bookings.c.start_time < bindparam("end", type_=bookings.c.start_time.type),
        bookings.c.end_time > bindparam("start", type_=bookings.c.end_time.type),
    )
    .order_by(bookings.c.start_time)
)


async def save_schedule(connection: AsyncConnection[Any], new: NewSchedule, row: RowMaker[T]) -> T:
    """Sets the provider's schedule, replacing any it had."""
    cursor = connection.cursor(row_factory=args_row(row))
    await cursor.execute(_SAVE, new.__dict__)
    saved = await cursor.fetchone()
    if saved is None:
        raise RuntimeError("an upsert returned no row")
    return saved


async def fetch_schedule(
    connection: AsyncConnection[Any], provider_id: str, row: RowMaker[T]
) -> T | None:
    cursor = connection.cursor(row_factory=args_row(row))
    await cursor.execute(_SCHEDULE, {"provider_id": provider_id})
    return await cursor.fetchone()


async def fetch_schedule_and_busy(
    connection: AsyncConnection[Any],
    provider_id: str,
    start: datetime,
    end: datetime,
    row: RowMaker[T],
) -> tuple[T | None, Busy]:
    """The provider's schedule and its scheduled bookings `[start, end)` that overlap
    [start, end), in one round trip (the caller widens the range by the largest buffer a
    schedule may have, since it does not know this one's yet)."""
    schedule = connection.cursor(row_factory=args_row(row))
    busy = connection.cursor()
    async with connection.pipeline():
        await schedule.execute(_SCHEDULE, {"provider_id": provider_id})
        await busy.execute(_BUSY, _busy_params(provider_id, start, end))
    return await schedule.fetchone(), await busy.fetchall()


async def take_provider_turn(connection: AsyncConnection[Any], provider_id: str) -> None:
    """Queues the rest of the caller's transaction behind the provider's other new bookings
    (the turn every insert of a booking takes), so what it reads of the provider's bookings
    stays true until it commits."""
    await connection.execute(statements.TAKE_PROVIDER_TURN, {"provider_id": provider_id})


def _busy_params(provider_id: str, start: datetime, end: datetime) -> dict[str, Any]:
    return {
        "provider_id": provider_id,
        "earliest_start": start - MAX_DURATION,
        "start": start,
        "end": end,
    }
