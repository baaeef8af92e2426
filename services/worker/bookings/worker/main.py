"""Entry point: `worker [ROLE ...]` runs roles (all of them by default), `worker health [ROLE ...]`
checks them. Roles: relay, scheduler, jobs, reconciler, webhooks. Configuration comes from env
vars.
"""

from __future__ import annotations

import sys

from bookings.runtime import entrypoint
from bookings.runtime.metrics_folder import multiprocess_metrics
from bookings.worker.health import health_problems
from bookings.worker.roles import ALL_ROLES, Role
from bookings.worker.settings import WorkerSettings

USAGE = (
    "usage: worker [ROLE ...] | worker health [ROLE ...]\n"
    f"roles: {', '.join(r.value for r in ALL_ROLES)} (none given: all of them)\n"
)
EXIT_USAGE = 2


class UsageError(Exception):
    pass


def parse_roles(names: list[str]) -> tuple[Role, ...]:
    if not names:
        return ALL_ROLES
    try:
        return tuple(dict.fromkeys(Role(name) for name in names))
    except ValueError:
        raise UsageError(f"unknown role in {' '.join(names)!r}") from None


def run(argv: list[str]) -> int:
    try:
        if argv and argv[0] == "health":
            roles = parse_roles(argv[1:])
            problems = health_problems(WorkerSettings.from_env(), roles)
            for problem in problems:
                sys.stderr.write(f"worker health: {problem}\n")
            return 1 if problems else 0
        roles = parse_roles(argv)
    except UsageError as error:
        sys.stderr.write(f"worker: {error}\n{USAGE}")
        return EXIT_USAGE
    settings = WorkerSettings.from_env()
    # Role code is imported here, not at the top: with several roles, prometheus_client (which
    # it imports) must find the metrics folder already named (bookings.runtime.metrics_folder).
    if len(roles) == 1:
        from bookings.worker.role_process import run_role

        return run_role(roles[0], settings, serve_metrics=True)
    with multiprocess_metrics("worker") as folder:
        from bookings.worker.supervisor import Supervisor

        return Supervisor(roles, settings, metrics_folder=folder).run()


def main() -> int:
    return entrypoint.run("worker", lambda: run(sys.argv[1:]))


if __name__ == "__main__":
    sys.exit(main())
