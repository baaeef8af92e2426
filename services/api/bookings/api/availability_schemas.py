"""What goes over the wire for working hours, free slots and calendar feeds (msgspec Structs in
camelCase, as in `schemas`).

A schedule's hours are local wall-clock times, checked while the body is decoded: each day's
intervals sorted, not overlapping, each ending after it starts (`24:00` as an end only), and
the time zone a known IANA name. The same Structs show a stored schedule, decoded from the
JSON it was stored as.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Annotated

import msgspec

from bookings.api.schemas import InvalidFields
from bookings.domain.errors import InvalidHours, UnknownTimeZone
from bookings.domain.working_hours import (
    Schedule,
    WallInterval,
    check_day,
    parse_wall_time,
    time_zone,
)

MAX_BUFFER_MINUTES = 240
MAX_NOTICE_MINUTES = 525_600
MAX_INTERVALS_PER_DAY = 48
MAX_OVERRIDES = 500
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

WallTime = Annotated[
    str,
    msgspec.Meta(
        pattern="^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$",
        description="Local wall-clock time `HH:MM`; `24:00` as an end only.",
    ),
]


class _Wire(msgspec.Struct, rename="camel", forbid_unknown_fields=True, kw_only=True):
    pass


class WorkingInterval(_Wire):
    start: WallTime
    end: WallTime


DayHours = Annotated[
    list[WorkingInterval],
    msgspec.Meta(
        max_length=MAX_INTERVALS_PER_DAY,
        description="Sorted, not overlapping; an empty list (or a day left out): no hours.",
    ),
]


class WeeklyHours(_Wire, omit_defaults=True):
    monday: DayHours = msgspec.field(default_factory=list)
    tuesday: DayHours = msgspec.field(default_factory=list)
    wednesday: DayHours = msgspec.field(default_factory=list)
    thursday: DayHours = msgspec.field(default_factory=list)
    friday: DayHours = msgspec.field(default_factory=list)
    saturday: DayHours = msgspec.field(default_factory=list)
    sunday: DayHours = msgspec.field(default_factory=list)


class DateOverride(_Wire):
    """A local date's hours instead of its weekday's; no intervals: closed that day."""

    date: date
    intervals: DayHours


Overrides = Annotated[list[DateOverride], msgspec.Meta(max_length=MAX_OVERRIDES)]


class ScheduleBody(_Wire):
    time_zone: Annotated[
        str, msgspec.Meta(min_length=1, max_length=100, description="An IANA name.")
    ]
    weekly: WeeklyHours
    overrides: Overrides = msgspec.field(default_factory=list)
    buffer_minutes: Annotated[
        int,
        msgspec.Meta(
            ge=0,
            le=MAX_BUFFER_MINUTES,
            description="Kept free before and after every scheduled booking.",
        ),
    ] = 0
    minimum_notice_minutes: Annotated[
        int,
        msgspec.Meta(
            ge=0, le=MAX_NOTICE_MINUTES, description="No slot starts sooner than this from now."
        ),
    ] = 0

    def __post_init__(self) -> None:
        messages = {}
        try:
            time_zone(self.time_zone)
        except UnknownTimeZone as error:
            messages["timeZone"] = str(error)
        for day in WEEKDAYS:
            _check_hours(f"weekly.{day}", getattr(self.weekly, day), messages)
        seen: set[date] = set()
        for index, override in enumerate(self.overrides):
            if override.date in seen:
                messages[f"overrides[{index}].date"] = f"{override.date} is overridden twice"
            seen.add(override.date)
            _check_hours(f"overrides[{index}].intervals", override.intervals, messages)
        if messages:
            raise InvalidFields(messages)


class ScheduleResponse(_Wire):
    provider_id: str
    time_zone: str
    weekly: WeeklyHours
    overrides: list[DateOverride]
    buffer_minutes: int
    minimum_notice_minutes: int
    updated_at: datetime

    @classmethod
    def of_row(
        cls,
        provider_id: str,
        zone: str,
        weekly: str,
        overrides: str,
        buffer_minutes: int,
        minimum_notice_minutes: int,
        updated_at: datetime,
    ) -> ScheduleResponse:
        """From the columns of `schedules.SCHEDULE_COLUMNS`, in order (hours as JSON text)."""
        return cls(
            provider_id=provider_id,
            time_zone=zone,
            weekly=_weekly_decoder.decode(weekly),
            overrides=_overrides_decoder.decode(overrides),
            buffer_minutes=buffer_minutes,
            minimum_notice_minutes=minimum_notice_minutes,
            updated_at=updated_at,
        )

    def schedule(self) -> Schedule:
        """The schedule as the domain computes with it."""
        return Schedule(
            zone=time_zone(self.time_zone),
            weekly={day: _intervals(getattr(self.weekly, name)) for day, name in _DAYS},
            overrides={o.date: _intervals(o.intervals) for o in self.overrides},
            buffer=timedelta(minutes=self.buffer_minutes),
            minimum_notice=timedelta(minutes=self.minimum_notice_minutes),
        )


class Slot(msgspec.Struct):
    start: datetime
    end: datetime


class SlotPage(_Wire):
    provider_id: str
    time_zone: str
    duration: Annotated[int, msgspec.Meta(description="Minutes.")]
    step: Annotated[int, msgspec.Meta(description="Minutes between slot starts.")]
    slots: list[Slot]


class CalendarFeed(_Wire):
    url: Annotated[str, msgspec.Meta(description="Subscribe to it in a calendar app.")]
    token: Annotated[str, msgspec.Meta(description="The secret part of the URL.")]


_DAYS = tuple(enumerate(WEEKDAYS))
_weekly_decoder = msgspec.json.Decoder(WeeklyHours)
_overrides_decoder = msgspec.json.Decoder(list[DateOverride])
encode_json = msgspec.json.Encoder().encode


def _intervals(hours: Sequence[WorkingInterval]) -> tuple[WallInterval, ...]:
    return tuple(
        WallInterval(parse_wall_time(h.start, is_end=False), parse_wall_time(h.end, is_end=True))
        for h in hours
    )


def _check_hours(key: str, hours: Sequence[WorkingInterval], messages: dict[str, str]) -> None:
    try:
        check_day(_intervals(hours))
    except InvalidHours as error:
        messages[key] = str(error)
