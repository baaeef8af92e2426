"""`./pants run infra:up`: PostgreSQL, Redis, migrations, then the API, the broadcaster and the
worker, each its own process. Ctrl-C stops the services, then Redis, then PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from contextlib import ExitStack
from types import FrameType

from bookings.devstack.datastores import (
    DatabaseTarget,
    is_local,
    start_local_postgres,
    start_local_redis,
)
from bookings.devstack.ports import PortInUse, require_free
from bookings.devstack.services import RunningService, say
from bookings.devstack.settings import StackSettings
from bookings.migrations.config import upgrade
from bookings.runtime.env import ConfigError, Env
from bookings.servers.postgres import PostgresStartError, stop_postgres
from bookings.servers.processes import MissingBinaryError, stop_process
from bookings.servers.redis import RedisStartError

READY_TIMEOUT_S = 90.0


class StackFailed(RuntimeError):
    pass


def main() -> int:
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        settings = StackSettings.from_env(Env())
        with ExitStack() as stack:
            services = start_stack(stack, settings, stop)
            if not stop.is_set():
                print_welcome(settings)
            while not stop.wait(0.5):
                crashed = [s.name for s in services if s.exited]
                if crashed:
                    raise StackFailed(f"{', '.join(crashed)} stopped unexpectedly (see above)")
            say("stopping: services, then Redis, then PostgreSQL")
        say("stopped")
        return 0
    except (
        ConfigError,
        PortInUse,
        MissingBinaryError,
        PostgresStartError,
        RedisStartError,
        StackFailed,
    ) as error:
        say(f"error: {error}")
        return 1


def start_stack(
    stack: ExitStack, settings: StackSettings, stop: threading.Event
) -> list[RunningService]:
    """Starts everything; `stack` stops it all again, in reverse order, when it closes."""
    for port, name in (
        (settings.api_port, "API"),
        (settings.broadcaster_port, "broadcaster"),
        (settings.worker_metrics_port, "worker metrics"),
    ):
        require_free(port, what=name, override="stop the other copy of the stack")

    if is_local(settings.database_url):
        postgres_dir = settings.data_dir / "postgres"
        say(f"starting PostgreSQL in {postgres_dir}")
        target = DatabaseTarget.parse(settings.database_url)
        stack.callback(stop_postgres, start_local_postgres(postgres_dir, target))
    if is_local(settings.redis_url):
        redis_dir = settings.data_dir / "redis"
        say(f"starting Redis in {redis_dir}")
        stack.callback(stop_process, start_local_redis(redis_dir, settings.redis_url).process)

    say("applying migrations")
    upgrade(settings.database_url)

    base_env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
    }
    services = []
    for spec in settings.services():
        service = RunningService(spec, base_env)
        stack.callback(service.stop)
        services.append(service)
    wait_until_ready(services, stop)
    return services


def wait_until_ready(services: list[RunningService], stop: threading.Event) -> None:
    """Returns when every service says it is ready, or at once when Ctrl-C asks to stop."""
    pending = list(services)
    deadline = time.monotonic() + READY_TIMEOUT_S
    while pending and not stop.is_set():
        if any(s.exited for s in services):
            raise StackFailed("a service stopped while starting (see its lines above)")
        if time.monotonic() > deadline:
            names = ", ".join(s.name for s in pending)
            raise StackFailed(f"not ready after {READY_TIMEOUT_S:.0f} s: {names}")
        pending = [s for s in pending if not s.is_ready()]
        time.sleep(0.2)


def print_welcome(settings: StackSettings) -> None:
    api = settings.api_url
    ws = settings.broadcaster_url.replace("http://", "ws://") + "/ws"
    login = (
        f"TOKEN=$(curl -s -X POST {api}/auth/login -H 'content-type: application/json' "
        """-d '{"sub":"provider-1","roles":["provider"]}' """
        """| python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')"""
    )
    create = (
        f'curl -s -X POST {api}/bookings -H "authorization: Bearer $TOKEN" '
        "-H 'content-type: application/json' "
        """-d "{\\"title\\":\\"Intro call\\",\\"startTime\\":\\"$(date -u -d '+1 hour' +%FT%TZ)\\","""
        """\\"endTime\\":\\"$(date -u -d '+90 min' +%FT%TZ)\\"}\""""
    )
    for line in (
        "the bookings platform is up",
        f"  API docs     {api}/schema   (OpenAPI: {api}/schema/openapi.json)",
        f"  WebSocket    {ws}",
        "  get a token  " + login,
        "  book         " + create,
        f'  watch        ./pants run infra:watch -- --token "$TOKEN" --url {ws}',
        "  Ctrl-C stops everything",
    ):
        say(line)


if __name__ == "__main__":
    sys.exit(main())
