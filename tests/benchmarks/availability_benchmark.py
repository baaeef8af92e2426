"""Free slots and calendar feeds of the packaged API (`dist/services.api/api.pex`), with wrk.

Seeds one provider with 5,000 bookings of 30 minutes, one every 105 minutes from tomorrow (so
about 425 of them fall in the 31 days asked for, and all 5,000 in its calendar feed), gives it
Monday-Friday 09:00-17:00 hours in Europe/Berlin with a 10-minute buffer, and runs one API
worker. Then, each after a warm-up:
- 31 days of 30-minute slots over one connection (its latency is the server's time, with no
  queueing) and over 50 (throughput);
- the calendar feed of the 5,000 in full, and answered 304 to a poll that sends its ETag.

    ./pants package services/api:api
    ./pants run tests/benchmarks/availability_benchmark.py -- [--duration S]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.request
from datetime import UTC, datetime, timedelta

from benchmarks.api_runs import (
    API_PEX,
    Load,
    Result,
    Target,
    login_token,
    print_results,
    run_wrk,
    running_api,
    wrk_for,
)
from benchmarks.datastores import migrated_database, seed_bookings

from bookings.servers.redis import throwaway_redis

PROVIDER = "bench-availability"
BOOKINGS = 5_000
SLOTS = "GET /providers/{id}/slots (31 days, one connection)"
SLOTS_LOADED = "GET /providers/{id}/slots (31 days, 50 connections)"
FEED = "GET /calendar/{token}.ics (5,000 events)"
FEED_NOT_MODIFIED = "GET /calendar/{token}.ics (304)"
TARGETS = {
    SLOTS: Target(max_p99_ms=15.0),
    SLOTS_LOADED: Target(min_requests_per_second=500),
    FEED: Target(),
    FEED_NOT_MODIFIED: Target(),
}
_HOURS = [{"start": "09:00", "end": "17:00"}]
_SCHEDULE = {
    "timeZone": "Europe/Berlin",
    "weekly": {day: _HOURS for day in ("monday", "tuesday", "wednesday", "thursday", "friday")},
    "bufferMinutes": 10,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api-pex", default=API_PEX)
    parser.add_argument("--duration", type=int, default=15, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of warm-up per run")
    args = parser.parse_args()
    wrk = wrk_for(args.api_pex)
    if wrk is None:
        return 2
    with migrated_database() as db_url, throwaway_redis() as redis:
        seed_bookings(db_url, {PROVIDER: (BOOKINGS, timedelta(minutes=105))})
        with running_api(args.api_pex, db_url, redis.url, workers=1) as base_url:
            results = _run_all(wrk, args, base_url)
    _print(results, args)
    return 0


def _call(method: str, url: str, token: str, body: object = None) -> dict[str, str]:
    request = urllib.request.Request(  # noqa: S310 (http://127.0.0.1, started here)
        url,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method=method,
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        answer: dict[str, str] = json.loads(response.read())
        return answer


def _etag(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
        return str(response.headers["ETag"])


def _run_all(wrk: str, args: argparse.Namespace, base_url: str) -> list[Result]:
    token = login_token(base_url, PROVIDER)
    provider_url = f"{base_url}/providers/{PROVIDER}"
    _call("PUT", f"{provider_url}/schedule", token, _SCHEDULE)
    feed_url = _call("POST", f"{provider_url}/calendar-feed", token)["url"]
    start = (datetime.now(UTC) + timedelta(days=1)).replace(hour=0, minute=0, second=0)
    end = start + timedelta(days=31)
    slots_url = (
        f"{provider_url}/slots?duration=30"
        f"&from={start.strftime('%Y-%m-%dT%H:%M:%SZ')}&to={end.strftime('%Y-%m-%dT%H:%M:%SZ')}"
    )
    slot_count = len(_call("GET", slots_url, token)["slots"])
    print(f"{slot_count} free slots in the 31 days asked for")
    bearer = (f"Authorization: Bearer {token}",)
    not_modified = (f"If-None-Match: {_etag(feed_url)}",)
    runs = (
        (SLOTS, slots_url, bearer, 1),
        (SLOTS_LOADED, slots_url, bearer, 50),
        (FEED, feed_url, (), 1),
        (FEED_NOT_MODIFIED, feed_url, not_modified, 1),
    )
    results = []
    for name, url, headers, connections in runs:
        run_wrk(
            wrk, Load(1 if connections == 1 else 2, connections, args.warmup), url, headers=headers
        )
        load = Load(1 if connections == 1 else 2, connections, args.duration)
        results.append(run_wrk(wrk, load, url, headers=headers).named(name))
    return results


def _print(results: list[Result], args: argparse.Namespace) -> None:
    print(
        f"\napi.pex, 1 worker, wrk -d{args.duration}s after {args.warmup}s warm-up, "
        f"{os.cpu_count()} CPUs, {BOOKINGS} bookings of one provider\n"
    )
    print_results(results, TARGETS)


if __name__ == "__main__":
    sys.exit(main())
