"""Throughput of the API's database path against a local PostgreSQL: creates and list pages.

    ./pants run tests/benchmarks/repository_benchmark.py [-- --bookings 10000 --sessions 20]

Starts a throwaway PostgreSQL, migrates it, then goes through the API's own path without HTTP:
`BookingCommands.create` (decision + booking + outbox row, pipelined, one transaction) and
`BookingQueries.list` (one statement), on the psycopg pool with N concurrent sessions. Prints
bookings/s and list pages/s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from datetime import UTC, datetime, timedelta

from benchmarks.datastores import migrated_database

from bookings.api.commands import BookingCommands
from bookings.api.queries import BookingQueries
from bookings.domain.access import Actor
from bookings.domain.commands import CreateBooking, ListBookings, Period
from bookings.domain.decisions import Context
from bookings.persistence.pool import connection_pool

START = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
CONTEXT = Context(clock=lambda: datetime.now(UTC), reminder_lead=timedelta(minutes=10))
LISTED_PROVIDER = Actor(id="listed-provider")


async def insert_bookings(commands: BookingCommands, count: int, sessions: int) -> float:
    """Each session books back-to-back half-hour slots for its own provider."""
    per_session = count // sessions

    async def session(index: int) -> None:
        actor = LISTED_PROVIDER if index == 0 else Actor(id=f"provider-{index}")
        for slot in range(per_session):
            start = START + timedelta(minutes=30 * slot)
            command = CreateBooking(actor, f"Booking {slot}", start, start + timedelta(minutes=30))
            await commands.create(command, None)

    began = time.perf_counter()
    await asyncio.gather(*(session(i) for i in range(sessions)))
    return per_session * sessions / (time.perf_counter() - began)


async def list_pages(queries: BookingQueries, pages: int, sessions: int) -> float:
    query = ListBookings(LISTED_PROVIDER, Period.UPCOMING, page=3, limit=20)

    async def session() -> None:
        for _ in range(pages // sessions):
            result = await queries.list(query)
            assert len(result.items) == 20

    began = time.perf_counter()
    await asyncio.gather(*(session() for _ in range(sessions)))
    return pages / (time.perf_counter() - began)


async def run(url: str, count: int, sessions: int, pages: int) -> None:
    pool = connection_pool(url, size=sessions)
    await pool.open(wait=True)
    try:
        inserts_per_s = await insert_bookings(
            BookingCommands(pool, CONTEXT, key_ttl=timedelta(hours=24)), count, sessions
        )
        pages_per_s = await list_pages(BookingQueries(pool, CONTEXT), pages, sessions)
    finally:
        await pool.close()
    per_provider = count // sessions
    print(f"{'measure':<48} {'result':>12}")
    print(f"{f'create ({count} bookings, {sessions} sessions)':<48} {inserts_per_s:>8.0f} /s")
    print(f"{f'upcoming list page ({per_provider} bookings/provider)':<48} {pages_per_s:>8.0f} /s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--bookings", type=int, default=10_000)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--pages", type=int, default=4_000)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores")
    with migrated_database() as url:
        asyncio.run(run(url, args.bookings, args.sessions, args.pages))


if __name__ == "__main__":
    main()
