"""Calendar feeds: a provider's bookings at a secret URL that calendar apps subscribe to.

`POST /providers/{id}/calendar-feed` gives the provider (or an admin) a new secret token, and
with it the feed's URL; the previous URL stops working. Calendar apps cannot send a bearer
token, so the token in the URL is the credential: 256 random bits, of which the database
keeps only a hash. A feed shows the bookings that start from 30 days ago to 365 days ahead,
cancelled ones as cancelled (so that subscribed calendars drop them).

Calendar apps poll. The feed's body depends only on its bookings' ids and versions, so its
ETag is told by one statement that digests those in PostgreSQL: a poll that sends it back in
If-None-Match is answered 304 with no body, and a body already rendered under that ETag
(`RenderedFeeds`) is sent again without reading the rows.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from bookings.api.availability_schemas import CalendarFeed
from bookings.api.errors import CalendarFeedNotFound
from bookings.api.etags import none_match
from bookings.api.ics import FeedEntry, feed_etag, render_feed
from bookings.api.rendered_feeds import RenderedFeeds
from bookings.domain.access import Actor
from bookings.persistence import calendar_feeds
from bookings.persistence.calendar_feeds import listing_digest

FEED_PAST = timedelta(days=30)
FEED_AHEAD = timedelta(days=365)
# What the feed suggests to calendar apps as their polling interval.
REFRESH_INTERVAL = timedelta(minutes=15)
FEED_SUFFIX = ".ics"
# Rendered feeds kept per API process (a feed of 5,000 bookings is about 1.5 MB).
RENDERED_FEEDS_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class FeedAnswer:
    etag: str
    # None: the client's copy (If-None-Match) is current.
    body: bytes | None


class CalendarFeeds:
    def __init__(
        self,
        pool: AsyncConnectionPool[AsyncConnection[Any]],
        clock: Callable[[], datetime],
        *,
        uid_host: str,
    ) -> None:
        self._pool = pool
        self._clock = clock
        self._uid_host = uid_host
        self._rendered = RenderedFeeds(RENDERED_FEEDS_BYTES)

    async def rotate(self, actor: Actor, provider_id: str, base_url: str) -> CalendarFeed:
        """A new token for the provider's feed; the feed's previous URL finds nothing now."""
        actor.check_manages(provider_id)
        token = secrets.token_urlsafe(32)
        async with self._pool.connection() as connection:
            await calendar_feeds.set_feed_token(connection, provider_id, token)
        return CalendarFeed(url=f"{base_url}/calendar/{token}{FEED_SUFFIX}", token=token)

    async def feed(self, token: str, if_none_match: str | None) -> FeedAnswer:
        """The feed's ETag, and its body unless the client's copy is current. One statement
        tells the ETag; the rows are read and rendered only for a body not rendered yet."""
        now = self._clock()
        since, until = now - FEED_PAST, now + FEED_AHEAD
        async with self._pool.connection() as connection:
            listed = await calendar_feeds.fetch_listing(connection, token, since, until)
            if listed is None:
                raise CalendarFeedNotFound("no calendar feed has this token")
            provider_id, listing = listed
            etag = self._etag(provider_id, listing)
            if none_match(if_none_match, etag):
                return FeedAnswer(etag=etag, body=None)
            body = self._rendered.get(etag)
            if body is not None:
                return FeedAnswer(etag=etag, body=body)
            found = await calendar_feeds.fetch_feed(connection, token, since, until, FeedEntry)
        if found is None:  # rotated meanwhile
            raise CalendarFeedNotFound("no calendar feed has this token")
        provider_id, entries = found
        # The ETag of the rows rendered, which may have changed since the listing was read.
        etag = self._etag(provider_id, listing_digest((e.id, e.version) for e in entries))
        body = render_feed(
            entries,
            uid_host=self._uid_host,
            calendar_name=_calendar_name(provider_id),
            refresh_interval=REFRESH_INTERVAL,
        )
        self._rendered.put(etag, body)
        return FeedAnswer(etag=etag, body=body)

    def _etag(self, provider_id: str, listing: str) -> str:
        return feed_etag(
            listing,
            uid_host=self._uid_host,
            calendar_name=_calendar_name(provider_id),
            refresh_interval=REFRESH_INTERVAL,
        )


def _calendar_name(provider_id: str) -> str:
    return f"Bookings of {provider_id}"
