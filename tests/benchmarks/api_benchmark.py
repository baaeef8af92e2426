"""Load test of the packaged API (`dist/services.api/api.pex`) with wrk, on this machine.

Starts a throwaway PostgreSQL and Redis, migrates, seeds 5,000 upcoming bookings for one
provider and 50,000 for another, starts api.pex with rate limits raised out of the way, then for
each endpoint runs a warm-up and a measured wrk run (50 connections, fixed durations) and prints
req/s and p50/p99 latency, and how the list of the 50,000 compares with the list of the 5,000
(a list costs the same whatever the provider's size). Everything it started is stopped by PID at
the end.

    ./pants package services/api:api
    ./pants run tests/benchmarks/api_benchmark.py -- [--workers N] [--duration S]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

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
from sqlalchemy import create_engine, text

from bookings.persistence.urls import sqlalchemy_url
from bookings.servers.redis import throwaway_redis

CONNECTIONS = 50
SEEDED_BOOKINGS = 5_000
BIG_SEEDED_BOOKINGS = 50_000
LIST_PROVIDER = "bench-list"
BIG_LIST_PROVIDER = "bench-list-50k"
POST_PROVIDER = "bench-post"
BIG_LIST = "GET /bookings/upcoming/list (50,000)"
TARGETS = {
    "GET /health": Target(5000, 25.0),
    "POST /bookings": Target(1250, 50.0),
    "GET /bookings/upcoming/list": Target(1500, 50.0),
    BIG_LIST: Target(1500, 50.0),
    "GET /bookings/{id}": Target(2500, 25.0),
}
# Each wrk thread books its own run of one-minute slots, two minutes apart, so no request
# ever overlaps another; `base` moves on between runs.
_POST_SCRIPT = """
local counter = 0
local thread_index = 0
local threads = {}
function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end
function init(args)
  thread_index = index
end
function request()
  counter = counter + 1
  local slot = BASE + (thread_index * 1000000 + counter) * 120
  local body = string.format(
    '{"title":"Bench","startTime":"%s","endTime":"%s"}',
    os.date("!%Y-%m-%dT%H:%M:%SZ", slot), os.date("!%Y-%m-%dT%H:%M:%SZ", slot + 60))
  return wrk.format("POST", "/bookings", {
    ["Authorization"] = "Bearer TOKEN", ["Content-Type"] = "application/json"}, body)
end
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api-pex", default=API_PEX)
    parser.add_argument("--workers", type=int, default=2, help="API worker processes")
    parser.add_argument("--duration", type=int, default=15, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of warm-up per endpoint")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    args = parser.parse_args()
    wrk = wrk_for(args.api_pex)
    if wrk is None:
        return 2
    with migrated_database() as db_url, throwaway_redis() as redis:
        target_id = _seed(db_url)
        with running_api(args.api_pex, db_url, redis.url, args.workers) as base_url:
            results = _run_all(wrk, args, base_url, target_id)
    _print(results, args)
    return 0


def _seed(db_url: str) -> str:
    """The bookings of both list providers; returns the id of one of LIST_PROVIDER's."""
    hourly = timedelta(hours=1)
    seed_bookings(
        db_url,
        {
            LIST_PROVIDER: (SEEDED_BOOKINGS, hourly),
            BIG_LIST_PROVIDER: (BIG_SEEDED_BOOKINGS, hourly),
        },
    )
    engine = create_engine(sqlalchemy_url(db_url))
    try:
        with engine.connect() as connection:
            target_id = connection.execute(
                text(
                    "SELECT id FROM bookings WHERE provider_id = :provider"
                    " ORDER BY start_time OFFSET :middle LIMIT 1"
                ),
                {"provider": LIST_PROVIDER, "middle": SEEDED_BOOKINGS // 2},
            ).scalar_one()
    finally:
        engine.dispose()
    return str(target_id)


def _run_all(wrk: str, args: argparse.Namespace, base_url: str, target_id: str) -> list[Result]:
    list_token = login_token(base_url, LIST_PROVIDER)
    big_list_token = login_token(base_url, BIG_LIST_PROVIDER)
    post_token = login_token(base_url, POST_PROVIDER)
    warmup = Load(args.threads, CONNECTIONS, args.warmup)
    measured = Load(args.threads, CONNECTIONS, args.duration)
    results = []
    run_wrk(wrk, warmup, base_url + "/health")
    results.append(run_wrk(wrk, measured, base_url + "/health").named("GET /health"))
    with tempfile.TemporaryDirectory(prefix="api-bench-") as scratch:
        base = int((datetime.now(UTC) + timedelta(days=30)).timestamp())
        for phase, load in (("warmup", warmup), ("measure", measured)):
            script = Path(scratch, f"post-{phase}.lua")
            script.write_text(_POST_SCRIPT.replace("BASE", str(base)).replace("TOKEN", post_token))
            base += 10_000_000 * 120  # the next run books further out
            result = run_wrk(wrk, load, base_url + "/", script=script)
            if phase == "measure":
                results.append(result.named("POST /bookings"))
        for name, path, token in (
            ("GET /bookings/upcoming/list", "/bookings/upcoming/list", list_token),
            (BIG_LIST, "/bookings/upcoming/list", big_list_token),
            ("GET /bookings/{id}", f"/bookings/{target_id}", list_token),
        ):
            header = (f"Authorization: Bearer {token}",)
            run_wrk(wrk, warmup, base_url + path, headers=header)
            results.append(run_wrk(wrk, measured, base_url + path, headers=header).named(name))
    return results


def _print(results: list[Result], args: argparse.Namespace) -> None:
    cpus = os.cpu_count()
    print(
        f"\napi.pex, {args.workers} worker(s), wrk -t{args.threads} -c{CONNECTIONS} "
        f"-d{args.duration}s after {args.warmup}s warm-up, {cpus} CPUs, "
        f"{SEEDED_BOOKINGS} and {BIG_SEEDED_BOOKINGS} bookings seeded for the list providers\n"
    )
    print_results(results, TARGETS)
    rates = {r.name: r.requests_per_second for r in results}
    small, big = rates["GET /bookings/upcoming/list"], rates[BIG_LIST]
    print(f"\nlist of 50,000 / list of 5,000: {big / small:.2f} (flat: within 0.80-1.20)")


if __name__ == "__main__":
    sys.exit(main())
