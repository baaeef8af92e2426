"""`/providers/{providerId}/...`: a provider's working hours, its free slots, and its calendar
feed's secret URL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, NoReturn

import msgspec
from litestar import Controller, HttpMethod, Request, Response, get, post, put, route
from litestar.exceptions import ValidationException
from litestar.params import JSONBody, Parameter, QueryParameter

from bookings.api.authentication import requires_booking_actor, requires_caller
from bookings.api.availability import SlotQuery
from bookings.api.availability_schemas import CalendarFeed, ScheduleBody, ScheduleResponse, SlotPage
from bookings.api.bodies import requires_json_body
from bookings.api.dependencies import BOOKING_DEPENDENCIES, ActorDep, AppStateDep
from bookings.api.openapi import SECURITY, problems
from bookings.api.routes.provider_parameters import ProviderId
from bookings.api.schemas import AwareDatetime
from bookings.domain.working_hours import EARLIEST, LATEST

MAX_RANGE = timedelta(days=62)
_INSTANT = "ISO-8601 with an offset; send `+` as `%2B` (or use `Z`)."
Minutes = Annotated[int, Parameter(ge=5, le=1440, description="Minutes (5-1,440).")]
StepMinutes = Annotated[
    int | None,
    QueryParameter(
        required=False, ge=5, le=1440, description="Minutes between slot starts; default: duration."
    ),
]
_MANAGED = {
    403: "Only the provider itself, or an admin, may do this.",
    404: "The provider has set no schedule.",
}
SCHEDULE_METHODS = "GET, OPTIONS, PUT"


class ProvidersController(Controller):
    path = "/providers"
    tags = ("availability",)
    security = SECURITY
    dependencies = BOOKING_DEPENDENCIES

    @route(
        "/{provider_id:str}/schedule",
        http_method=[HttpMethod.OPTIONS],
        include_in_schema=False,
        status_code=204,
    )
    async def allow_schedule(self) -> Response[None]:
        """The methods of `/providers/{id}/schedule` (see `BookingsController.allow`)."""
        return Response(None, status_code=204, headers={"Allow": SCHEDULE_METHODS})

    @put(
        "/{provider_id:str}/schedule",
        operation_id="setSchedule",
        summary="Set a provider's working hours",
        description="Replaces the provider's schedule. Hours are local wall-clock times in "
        "`timeZone`; on a daylight-saving change day a time the clock skips starts (or ends) "
        "when the clock resumes, and an interval over the repeated hour lasts the real time "
        "the clock spends in it.",
        status_code=200,
        guards=[requires_booking_actor, requires_json_body],
        responses=problems(400, 401, 403, 415, 422, 429, described=_MANAGED),
    )
    async def set_schedule(
        self,
        app_state: AppStateDep,
        actor: ActorDep,
        provider_id: ProviderId,
        data: JSONBody[ScheduleBody],
    ) -> ScheduleResponse:
        return await app_state.availability.set_schedule(actor, provider_id, data)

    @get(
        "/{provider_id:str}/schedule",
        operation_id="getSchedule",
        summary="A provider's working hours",
        guards=[requires_booking_actor],
        responses=problems(401, 403, 404, 429, described=_MANAGED),
    )
    async def schedule(
        self, app_state: AppStateDep, actor: ActorDep, provider_id: ProviderId
    ) -> ScheduleResponse:
        return await app_state.availability.schedule(actor, provider_id)

    @get(
        "/{provider_id:str}/slots",
        operation_id="listSlots",
        summary="A provider's free slots",
        description="Slots of `duration` minutes inside working hours, starting every `step` "
        "minutes from the start of each working interval, no sooner than the minimum notice, "
        "and clear of every scheduled booking widened by the buffer; those that lie within "
        "[`from`, `to`] (62 days at most), in UTC, soonest first. Any authenticated caller "
        "may read them.",
        guards=[requires_caller],
        responses=problems(401, 404, 422, 429, described=_MANAGED),
    )
    async def slots(
        self,
        app_state: AppStateDep,
        provider_id: ProviderId,
        start: Annotated[
            str, QueryParameter(name="from", max_length=64, description=f"From: {_INSTANT}")
        ],
        end: Annotated[
            str, QueryParameter(name="to", max_length=64, description=f"To: {_INSTANT}")
        ],
        duration: Minutes,
        step: StepMinutes = None,
    ) -> SlotPage:
        query = SlotQuery(
            provider_id=provider_id,
            start=_instant("from", start),
            end=_instant("to", end),
            duration=timedelta(minutes=duration),
            step=timedelta(minutes=duration if step is None else step),
        )
        if query.end <= query.start:
            _refuse("to", "must be after `from`")
        if query.end - query.start > MAX_RANGE:
            _refuse("to", f"the range may span {MAX_RANGE.days} days at most")
        return await app_state.availability.slots(query)

    @post(
        "/{provider_id:str}/calendar-feed",
        operation_id="rotateCalendarFeed",
        summary="Give a provider's calendar feed a new secret URL",
        description="The URL serves the provider's bookings as an iCalendar feed (RFC 5545) to "
        "calendar apps, with no bearer token: the token in it is the secret. A new one replaces "
        "the previous, whose URL then finds nothing.",
        status_code=200,
        guards=[requires_booking_actor],
        responses=problems(401, 403, 429, described=_MANAGED),
    )
    async def calendar_feed(
        self,
        request: Request[Any, Any, Any],
        app_state: AppStateDep,
        actor: ActorDep,
        provider_id: ProviderId,
    ) -> CalendarFeed:
        base_url = app_state.settings.public_base_url or str(request.base_url).rstrip("/")
        return await app_state.calendar_feeds.rotate(actor, provider_id, base_url)


def _instant(name: str, raw: str) -> datetime:
    try:
        value = msgspec.convert(raw, AwareDatetime).astimezone(UTC)
    except (msgspec.ValidationError, OverflowError):
        _refuse(
            name,
            "expected an ISO-8601 time with an offset, e.g. 2030-01-07T00:00:00Z "
            "(a `+` in a query string must be sent as %2B)",
        )
    if not EARLIEST <= value <= LATEST:
        _refuse(name, f"must lie between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}")
    return value


def _refuse(name: str, message: str) -> NoReturn:
    raise ValidationException(extra=[{"key": name, "message": message}])
