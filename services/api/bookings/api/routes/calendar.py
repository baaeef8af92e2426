"""`GET /calendar/{token}.ics`: a provider's calendar feed, for calendar apps (no bearer token:
the secret token in the URL is the credential)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import HeaderParameter, Parameter

from bookings.api.authentication import client_address
from bookings.api.calendar_feeds import FEED_SUFFIX
from bookings.api.dependencies import AppStateDep
from bookings.api.errors import CalendarFeedNotFound
from bookings.api.openapi import problems
from bookings.api.rate_limit import Bucket
from bookings.persistence.calendar_feeds import token_hash

# Litestar names the charset (utf-8) of a text/ type itself.
CALENDAR_MEDIA_TYPE = "text/calendar"
# What `secrets.token_urlsafe` makes, with room to spare; anything else names no feed.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,128}")
_NOT_FOUND = {404: "No feed has this token (or it was rotated since)."}


@get(
    "/calendar/{feed_file:str}",
    operation_id="calendarFeed",
    summary="A provider's bookings as an iCalendar feed",
    description="Bookings that start from 30 days ago to 365 days ahead; cancelled ones are "
    "`STATUS:CANCELLED`, `SEQUENCE` is the booking's version. Send the `ETag` back in "
    "`If-None-Match` to get 304 while nothing changed.",
    tags=["availability"],
    media_type=CALENDAR_MEDIA_TYPE,
    responses={
        200: ResponseSpec(
            data_container=str, media_type=CALENDAR_MEDIA_TYPE, description="The feed"
        ),
        304: ResponseSpec(data_container=None, description="The client's copy is current."),
        **problems(404, 429, described=_NOT_FOUND),
    },
)
async def calendar_feed(
    request: Request[Any, Any, Any],
    app_state: AppStateDep,
    feed_file: Annotated[str, Parameter(description="`{token}.ics`, from the feed's URL.")],
    if_none_match: Annotated[
        str | None, HeaderParameter(name="If-None-Match", required=False, max_length=1024)
    ] = None,
) -> Response[bytes]:
    token = feed_file.removesuffix(FEED_SUFFIX)
    if token == feed_file or not _TOKEN.fullmatch(token):
        raise CalendarFeedNotFound("a calendar feed's path is /calendar/{token}.ics")
    # Per feed, like a principal's reads; the key is a digest, so the token never reaches Redis.
    await app_state.rate_limiter.check(Bucket.READS, "feed:" + token_hash(token).hex()[:32])
    try:
        answer = await app_state.calendar_feeds.feed(token, if_none_match)
    except CalendarFeedNotFound:
        # A guessed token is a credential attempt: counted per client address, as bad tokens are.
        await app_state.rate_limiter.check(Bucket.AUTH_FAILURES, client_address(request))
        raise
    headers = {"ETag": answer.etag, "Cache-Control": "private, no-cache"}
    if answer.body is None:
        return Response(b"", status_code=304, headers=headers)
    return Response(answer.body, media_type=CALENDAR_MEDIA_TYPE, headers=headers)
