"""Benchmark of the packaged worker's start: how long until every role beats, the CPU that
took, and the memory of the running processes, for every role under the supervisor (forked
from it) and for each role run as a process of its own.

    ./pants package services/worker:worker
    ./pants run tests/benchmarks/worker_start_benchmark.py -- [--settle SECONDS]

Memory is the proportional set size (PSS): a page shared by n processes counts 1/n in each, so
the sum over processes is what they take together. It is read `--settle` seconds (10) after
every role beats, with no work to do.
"""

from __future__ import annotations

import argparse
import sys
import time
from contextlib import ExitStack
from pathlib import Path

from benchmarks.datastores import migrated_database
from benchmarks.worker_runs import PACKAGED_WORKER, WORKER_PEX, cpu_seconds, worker

from bookings.servers.redis import throwaway_redis
from bookings.worker.roles import Role


def proportional_set_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    raise RuntimeError(f"no Pss line for process {pid}")


def with_children(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [pid, *(int(child) for child in children)]


def measure(label: str, pids: list[int], started_s: float, settle_s: float) -> None:
    cpu_s = sum(cpu_seconds(pid) for pid in pids)
    time.sleep(settle_s)
    pss_mib = sum(proportional_set_kib(pid) for pid in pids) / 1024
    print(
        f"{label}: {len(pids)} processes, every role beating after {started_s:.2f} s,"
        f" start CPU {cpu_s:.2f} s, PSS {pss_mib:.0f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settle", type=float, default=10.0)
    args = parser.parse_args()
    if not WORKER_PEX.exists():
        sys.exit(f"{WORKER_PEX} is missing: run ./pants package services/worker:worker first")
    settle_s = min(args.settle, 120.0)
    with migrated_database() as database, throwaway_redis() as redis_server:
        redis_url = redis_server.url
        began = time.monotonic()
        with worker(PACKAGED_WORKER, database, redis_url) as supervisor:
            started_s = time.monotonic() - began
            measure("supervised", with_children(supervisor.pid), started_s, settle_s)
        with ExitStack() as stack:
            began = time.monotonic()
            processes = [
                stack.enter_context(worker(PACKAGED_WORKER, database, redis_url, role.value))
                for role in Role
            ]
            started_s = time.monotonic() - began
            label = "one process per role (started one after another)"
            measure(label, [p.pid for p in processes], started_s, settle_s)


if __name__ == "__main__":
    main()
