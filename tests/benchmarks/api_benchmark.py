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
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.datastores import migrated_database
from sqlalchemy import create_engine, text

from bookings.persistence.urls import sqlalchemy_url
from bookings.servers.processes import free_port, stop_process, wait_until_ok
from bookings.servers.redis import throwaway_redis

CONNECTIONS = 50
SEEDED_BOOKINGS = 5_000
BIG_SEEDED_BOOKINGS = 50_000
LIST_PROVIDER = "bench-list"
BIG_LIST_PROVIDER = "bench-list-50k"
POST_PROVIDER = "bench-post"
BIG_LIST = "GET /bookings/upcoming/list (50,000)"
TARGETS = {  # endpoint: (min req/s, max p99 ms)
    "GET /health": (5000, 25.0),
    "POST /bookings": (1250, 50.0),
    "GET /bookings/upcoming/list": (1500, 50.0),
    BIG_LIST: (1500, 50.0),
    "GET /bookings/{id}": (2500, 25.0),
}
# Upcoming bookings, hourly from tomorrow, half an hour each, as the side-by-side bench seeds.
_SEED_SQL = text(
    "INSERT INTO bookings (id, provider_id, title, start_time, end_time, status, version,"
    " reminder_due_at, created_at, updated_at)"
    " SELECT gen_random_uuid(), :provider, 'Seeded ' || i, t, t + interval '30 minutes',"
    " 'scheduled', 1, t - interval '10 minutes', now(), now()"
    " FROM (SELECT i, date_trunc('hour', now()) + interval '1 day' + i * interval '1 hour' AS t"
    " FROM generate_series(0, :count - 1) i) s"
)

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


@dataclass(frozen=True)
class Result:
    name: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api-pex", default="dist/services.api/api.pex")
    parser.add_argument("--workers", type=int, default=2, help="API worker processes")
    parser.add_argument("--duration", type=int, default=15, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of warm-up per endpoint")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    args = parser.parse_args()
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.stderr.write("wrk is not installed: apt-get install -y wrk\n")
        return 2
    if not Path(args.api_pex).exists():
        sys.stderr.write(f"{args.api_pex} is missing: ./pants package services/api:api\n")
        return 2
    with migrated_database() as db_url, throwaway_redis() as redis:
        target_id = _seed(db_url)
        with _api(args.api_pex, db_url, redis.url, args.workers) as base_url:
            results = _run_all(wrk, args, base_url, target_id)
    _print(results, args)
    return 0


def _seed(db_url: str) -> str:
    """The bookings of both list providers; returns the id of one of LIST_PROVIDER's."""
    engine = create_engine(sqlalchemy_url(db_url))
    try:
        with engine.begin() as connection:
            for provider, count in (
                (LIST_PROVIDER, SEEDED_BOOKINGS),
                (BIG_LIST_PROVIDER, BIG_SEEDED_BOOKINGS),
            ):
                connection.execute(_SEED_SQL, {"provider": provider, "count": count})
            target_id = connection.execute(
                text(
                    "SELECT id FROM bookings WHERE provider_id = :provider"
                    " ORDER BY start_time OFFSET :middle LIMIT 1"
                ),
                {"provider": LIST_PROVIDER, "middle": SEEDED_BOOKINGS // 2},
            ).scalar_one()
        with engine.connect() as connection:
            # Fresh statistics and visibility map, as a live table would have.
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "VACUUM ANALYZE bookings"
            )
    finally:
        engine.dispose()
    return str(target_id)


@contextmanager
def _api(api_pex: str, db_url: str, redis_url: str, workers: int) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "APP_ENV": "development",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "API_WORKERS": str(workers),
        "LOG_LEVEL": "WARNING",
        "RATE_LIMIT_LOGIN_PER_MINUTE": "1000000",
        "RATE_LIMIT_WRITES_PER_MINUTE": "100000000",
        "RATE_LIMIT_READS_PER_MINUTE": "100000000",
    }
    process = subprocess.Popen([sys.executable, api_pex], env=env, stdin=subprocess.DEVNULL)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ok(f"{base_url}/health/ready", process)
        yield base_url
    finally:
        stop_process(process)


def _token(base_url: str, sub: str) -> str:
    request = urllib.request.Request(  # noqa: S310 (http://127.0.0.1, started here)
        f"{base_url}/auth/login",
        data=f'{{"sub":"{sub}","roles":["provider"]}}'.encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        body = response.read().decode()
    match = re.search(r'"accessToken":"([^"]+)"', body)
    if match is None:
        raise RuntimeError("login returned no token")
    return match.group(1)


def _run_all(wrk: str, args: argparse.Namespace, base_url: str, target_id: str) -> list[Result]:
    list_token = _token(base_url, LIST_PROVIDER)
    big_list_token = _token(base_url, BIG_LIST_PROVIDER)
    post_token = _token(base_url, POST_PROVIDER)
    results = []
    _wrk(wrk, args, args.warmup, base_url + "/health")
    results.append(_named("GET /health", _wrk(wrk, args, args.duration, base_url + "/health")))
    with tempfile.TemporaryDirectory(prefix="api-bench-") as scratch:
        base = int((datetime.now(UTC) + timedelta(days=30)).timestamp())
        for phase, seconds in (("warmup", args.warmup), ("measure", args.duration)):
            script = Path(scratch, f"post-{phase}.lua")
            script.write_text(_POST_SCRIPT.replace("BASE", str(base)).replace("TOKEN", post_token))
            base += 10_000_000 * 120  # the next run books further out
            result = _wrk(wrk, args, seconds, base_url + "/", script=script)
            if phase == "measure":
                results.append(_named("POST /bookings", result))
        for name, path, token in (
            ("GET /bookings/upcoming/list", "/bookings/upcoming/list", list_token),
            (BIG_LIST, "/bookings/upcoming/list", big_list_token),
            ("GET /bookings/{id}", f"/bookings/{target_id}", list_token),
        ):
            header = f"Authorization: Bearer {token}"
            _wrk(wrk, args, args.warmup, base_url + path, header=header)
            results.append(
                _named(name, _wrk(wrk, args, args.duration, base_url + path, header=header))
            )
    return results


def _wrk(
    wrk: str,
    args: argparse.Namespace,
    seconds: int,
    url: str,
    *,
    script: Path | None = None,
    header: str | None = None,
) -> Result:
    argv = [wrk, "-t", str(args.threads), "-c", str(CONNECTIONS), "-d", f"{seconds}s"]
    argv += ["--latency", "--timeout", "5s"]
    if script is not None:
        argv += ["-s", str(script)]
    if header is not None:
        argv += ["-H", header]
    output = subprocess.run(
        [*argv, url], check=True, capture_output=True, text=True, timeout=seconds + 60
    ).stdout
    return _parse(output)


def _parse(output: str) -> Result:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    percentiles = {
        p: _ms(value, unit)
        for p, value, unit in re.findall(r"\s(50|99)%\s+([\d.]+)(us|ms|s)", output)
    }
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    error_count = int(errors.group(1)) if errors else 0
    if socket_errors:
        error_count += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1)))
    return Result("", rps, percentiles.get("50", 0.0), percentiles.get("99", 0.0), error_count)


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _named(name: str, result: Result) -> Result:
    return Result(name, result.requests_per_second, result.p50_ms, result.p99_ms, result.errors)


def _print(results: list[Result], args: argparse.Namespace) -> None:
    cpus = os.cpu_count()
    print(
        f"\napi.pex, {args.workers} worker(s), wrk -t{args.threads} -c{CONNECTIONS} "
        f"-d{args.duration}s after {args.warmup}s warm-up, {cpus} CPUs, "
        f"{SEEDED_BOOKINGS} and {BIG_SEEDED_BOOKINGS} bookings seeded for the list providers\n"
    )
    header = f"{'endpoint':<38} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}  target"
    print(header)
    print("-" * len(header))
    for r in results:
        min_rps, max_p99 = TARGETS[r.name]
        met = r.requests_per_second >= min_rps and r.p99_ms <= max_p99 and r.errors == 0
        verdict = f"≥{min_rps} req/s, p99 ≤{max_p99:.0f} ms: {'met' if met else 'MISSED'}"
        print(
            f"{r.name:<38} {r.requests_per_second:>9.0f} {r.p50_ms:>8.2f} {r.p99_ms:>8.2f} "
            f"{r.errors:>7}  {verdict}"
        )
    rates = {r.name: r.requests_per_second for r in results}
    small, big = rates["GET /bookings/upcoming/list"], rates[BIG_LIST]
    print(f"\nlist of 50,000 / list of 5,000: {big / small:.2f} (flat: within 0.80-1.20)")


if __name__ == "__main__":
    sys.exit(main())
