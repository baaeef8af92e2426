"""Working hours and free slots: who may set and see a provider's schedule, the slots it
leaves free, and whether a new booking fits them (`POST /bookings?withinSchedule=true`).

A schedule is the provider's own business: the provider itself or an admin set and read it.
Its free slots are for anyone authenticated to read, so that a booking app can offer them. A
slot list is two statements in one round trip (the schedule, and the provider's bookings in
range by the (provider_id, start_time) index), then one linear pass (`bookings.domain.slots`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from bookings.api.availability_schemas import (
    MAX_BUFFER_MINUTES,
    ScheduleBody,
    ScheduleResponse,
    Slot,
    SlotPage,
    encode_json,
)
from bookings.api.errors import NotWithinSchedule, ScheduleNotFound
from bookings.domain.access import Actor
from bookings.domain.model import Booking
from bookings.domain.slots import fits, free_slots
from bookings.domain.working_hours import LATEST
from bookings.persistence import schedules
from bookings.persistence.schedules import Busy, NewSchedule

# Bookings this close to a range can take from it (a schedule's buffer is at most this).
_WIDEST_BUFFER = timedelta(minutes=MAX_BUFFER_MINUTES)


@dataclass(frozen=True)
class SlotQuery:
    provider_id: str
    start: datetime
    end: datetime
    duration: timedelta
    step: timedelta


class Availability:
    def __init__(
        self,
        pool: AsyncConnectionPool[AsyncConnection[Any]],
        clock: Callable[[], datetime],
    ) -> None:
        self._pool = pool
        self._clock = clock

    async def set_schedule(
        self, actor: Actor, provider_id: str, body: ScheduleBody
    ) -> ScheduleResponse:
        actor.check_manages(provider_id)
        new = NewSchedule(
            provider_id=provider_id,
            time_zone=body.time_zone,
            weekly=encode_json(body.weekly).decode(),
            overrides=encode_json(sorted(body.overrides, key=lambda o: o.date)).decode(),
            buffer_minutes=body.buffer_minutes,
            minimum_notice_minutes=body.minimum_notice_minutes,
        )
        async with self._pool.connection() as connection:
            return await schedules.save_schedule(connection, new, ScheduleResponse.of_row)

    async def schedule(self, actor: Actor, provider_id: str) -> ScheduleResponse:
        actor.check_manages(provider_id)
        async with self._pool.connection() as connection:
            found = await schedules.fetch_schedule(connection, provider_id, ScheduleResponse.of_row)
        if found is None:
            raise ScheduleNotFound(provider_id)
        return found

    async def slots(self, query: SlotQuery) -> SlotPage:
        async with self._pool.connection() as connection:
            found, busy = await _schedule_and_busy(
                connection, query.provider_id, query.start, query.end
            )
        if found is None:
            raise ScheduleNotFound(query.provider_id)
        free = free_slots(
            found.schedule(),
            busy,
            start=query.start,
            end=query.end,
            duration=query.duration,
            step=query.step,
            now=self._clock(),
        )
        return SlotPage(
            provider_id=query.provider_id,
            time_zone=found.time_zone,
            duration=_minutes(query.duration),
            step=_minutes(query.step),
            slots=[Slot(start, end) for start, end in free],
        )


async def check_within_schedule(
    connection: AsyncConnection[Any], booking: Booking, now: datetime
) -> None:
    """Refuses (NotWithinSchedule) a new booking outside its provider's free time: working
    hours, minimum notice, other bookings widened by the buffer. Runs in the transaction that
    inserts it, after taking the provider's turn, so no booking can slip in between."""
    if booking.end_time > LATEST:
        raise NotWithinSchedule(f"no working hours are kept past {LATEST:%Y-%m-%d}")
    await schedules.take_provider_turn(connection, booking.provider_id)
    found, busy = await _schedule_and_busy(
        connection, booking.provider_id, booking.start_time, booking.end_time
    )
    if found is None:
        raise NotWithinSchedule(f"provider {booking.provider_id!r} has no schedule to book within")
    schedule = found.schedule()
    if not fits(schedule, busy, start=booking.start_time, end=booking.end_time, now=now):
        raise NotWithinSchedule(
            "the time is not free in the provider's schedule: outside its working hours, "
            "sooner than its minimum notice, or within its buffer around another booking"
        )


def _minutes(span: timedelta) -> int:
    return int(span.total_seconds()) // 60


async def _schedule_and_busy(
    connection: AsyncConnection[Any], provider_id: str, start: datetime, end: datetime
) -> tuple[ScheduleResponse | None, Busy]:
    """The provider's schedule and its bookings that may take from [start, end): read in one
    round trip, before this schedule's buffer is known, so widened by the largest one."""
    return await schedules.fetch_schedule_and_busy(
        connection,
        provider_id,
        start - _WIDEST_BUFFER,
        end + _WIDEST_BUFFER,
        ScheduleResponse.of_row,
    )
