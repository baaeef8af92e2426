"""`/bookings`: create, read, list, reschedule and cancel, for providers and admins."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, HttpMethod, Request, Response, get, patch, post, route
from litestar.params import JSONBody

from bookings.api.authentication import requires_booking_actor
from bookings.api.bodies import requires_json_body
from bookings.api.cursors import InvalidCursor, decode_cursor
from bookings.api.dependencies import (
    BOOKING_DEPENDENCIES,
    ActorDep,
    AppStateDep,
)
from bookings.api.errors import InvalidListRequest, MalformedBookingId
from bookings.api.idempotent import keyed, respond
from bookings.api.openapi import SECURITY, problems
from bookings.api.routes.booking_parameters import (
    BookingId,
    Cursor,
    IdempotencyKey,
    PageNumber,
    PageSize,
    ProviderFilter,
    WithinSchedule,
)
from bookings.api.schemas import (
    BookingCreate,
    BookingPage,
    BookingResponse,
    BookingUpdate,
)
from bookings.domain.access import Actor
from bookings.domain.commands import (
    CancelBooking,
    ChangeBooking,
    CreateBooking,
    GetBooking,
    ListBookings,
    Period,
)

_READ_PROBLEMS = problems(401, 403, 422, 429)
ONE_BOOKING_METHODS = "GET, OPTIONS, PATCH"


class BookingsController(Controller):
    path = "/bookings"
    tags = ("bookings",)
    security = SECURITY
    # Authentication is a guard, so it runs before the body is read (see authentication.py).
    guards = (requires_booking_actor,)
    dependencies = BOOKING_DEPENDENCIES

    @route(
        "/{booking_id:str}",
        http_method=[HttpMethod.OPTIONS],
        include_in_schema=False,
        status_code=204,
    )
    async def allow(self) -> Response[None]:
        """The methods of `/bookings/{id}`. Litestar makes a path's OPTIONS answer along with
        the first handler registered on it and keeps it as others join, so its own `Allow`
        said `OPTIONS, PATCH`. Handlers register in name order: this one must sort first."""
        return Response(None, status_code=204, headers={"Allow": ONE_BOOKING_METHODS})

    @post(
        "/",
        operation_id="createBooking",
        summary="Create a booking",
        description="A provider books for itself; an admin may name any `providerId`. With "
        "`withinSchedule=true` the time must also be free in the provider's schedule (inside "
        "working hours, after the minimum notice, clear of the buffer around other bookings), "
        "else 422; without it any time that overlaps no booking is taken.",
        status_code=201,
        guards=[requires_json_body],
        responses=problems(400, 401, 403, 409, 415, 422, 429),
    )
    async def create(
        self,
        request: Request[Any, Any, Any],
        app_state: AppStateDep,
        actor: ActorDep,
        data: JSONBody[BookingCreate],
        idempotency_key: IdempotencyKey = None,
        within_schedule: WithinSchedule = False,
    ) -> Response[BookingResponse]:
        command = CreateBooking(
            actor=actor,
            title=data.title,
            start_time=data.start_time,
            end_time=data.end_time,
            provider_id=data.provider_id,
        )
        answer = await app_state.commands.create(
            command,
            await keyed(request, actor, idempotency_key),
            within_schedule=within_schedule,
        )
        if not answer.replayed:
            app_state.metrics.bookings_created.inc()
        return respond(answer)

    @get(
        "/{booking_id:str}",
        operation_id="getBooking",
        summary="Get one booking",
        description="Owner or admin only; anyone else gets 404.",
        responses=problems(401, 403, 404, 429),
    )
    async def get_one(
        self, app_state: AppStateDep, actor: ActorDep, booking_id: BookingId
    ) -> BookingResponse:
        return await app_state.queries.get(GetBooking(actor=actor, booking_id=_uuid(booking_id)))

    @get(
        "/upcoming/list",
        operation_id="listUpcomingBookings",
        summary="Bookings starting now or later, soonest first",
        description="Cancelled bookings are included (see `status`). Order: start, then id.",
        responses=_READ_PROBLEMS,
    )
    async def upcoming(
        self,
        app_state: AppStateDep,
        actor: ActorDep,
        provider_id: ProviderFilter = None,
        page: PageNumber = 1,
        limit: PageSize = 20,
        cursor: Cursor = None,
    ) -> BookingPage:
        query = _list_query(actor, Period.UPCOMING, provider_id, page, limit, cursor)
        return await app_state.queries.list(query)

    @get(
        "/past/list",
        operation_id="listPastBookings",
        summary="Bookings that started before now, latest first",
        description="Cancelled bookings are included (see `status`). Order: start, then id.",
        responses=_READ_PROBLEMS,
    )
    async def past(
        self,
        app_state: AppStateDep,
        actor: ActorDep,
        provider_id: ProviderFilter = None,
        page: PageNumber = 1,
        limit: PageSize = 20,
        cursor: Cursor = None,
    ) -> BookingPage:
        query = _list_query(actor, Period.PAST, provider_id, page, limit, cursor)
        return await app_state.queries.list(query)

    @post(
        "/{booking_id:str}/cancel",
        operation_id="cancelBooking",
        summary="Cancel a booking",
        description="Its reminder is cancelled with it. Cancelling twice is a 409.",
        status_code=200,
        responses=problems(401, 403, 404, 409, 422, 429),
    )
    async def cancel(
        self,
        request: Request[Any, Any, Any],
        app_state: AppStateDep,
        actor: ActorDep,
        booking_id: BookingId,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[BookingResponse]:
        command = CancelBooking(actor=actor, booking_id=_uuid(booking_id))
        answer = await app_state.commands.cancel(
            command, await keyed(request, actor, idempotency_key)
        )
        if not answer.replayed:
            app_state.metrics.bookings_cancelled.inc()
        return respond(answer)

    @patch(
        "/{booking_id:str}",
        operation_id="changeBooking",
        summary="Rename and/or move a booking",
        description="Fields left out stay as they are; a move moves the reminder too.",
        guards=[requires_json_body],
        responses=problems(400, 401, 403, 404, 409, 415, 422, 429),
    )
    async def change(
        self,
        request: Request[Any, Any, Any],
        app_state: AppStateDep,
        actor: ActorDep,
        booking_id: BookingId,
        data: JSONBody[BookingUpdate],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[BookingResponse]:
        command = ChangeBooking(
            actor=actor,
            booking_id=_uuid(booking_id),
            title=data.title,
            start_time=data.start_time,
            end_time=data.end_time,
        )
        answer = await app_state.commands.change(
            command, await keyed(request, actor, idempotency_key)
        )
        return respond(answer)


def _list_query(
    actor: Actor,
    period: Period,
    provider_id: str | None,
    page: int,
    limit: int,
    cursor: str | None,
) -> ListBookings:
    after = None
    if cursor is not None:
        if page != 1:
            raise InvalidListRequest("page with cursor: a cursor already says where to go on")
        try:
            after = decode_cursor(cursor)
        except InvalidCursor as error:
            raise InvalidListRequest(str(error)) from None
    return ListBookings(
        actor=actor, period=period, page=page, limit=limit, provider_id=provider_id, after=after
    )


def _uuid(raw: str) -> UUID:
    """A malformed id names no booking: 404, like a missing one (nothing is leaked)."""
    try:
        return UUID(raw)
    except ValueError:
        raise MalformedBookingId(raw) from None
