"""The worker's command line: roles, health, configuration errors, supervision."""

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import redis

from bookings.runtime.env import Env
from bookings.servers.processes import free_port
from bookings.worker.heartbeat import heartbeat_key
from bookings.worker.main import run
from bookings.worker.roles import Role
from bookings.worker.settings import WorkerSettings
from bookings.worker.supervisor import stop_grace_s
from bookings.worker.testing_bookings import Bookings, PublishedEvents
from bookings.worker.testing_processes import StartWorker, is_running, worker_env


def worker_command(
    postgres_url: str, redis_url: str, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bookings.worker", *args],
        env=worker_env(postgres_url, redis_url, **env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_an_unknown_role_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["relay", "dancer"]) == 2
    assert "unknown role" in capsys.readouterr().err


def test_a_bad_setting_stops_the_worker_with_one_line_naming_it(
    postgres_url: str, redis_url: str
) -> None:
    result = worker_command(postgres_url, redis_url, "relay", REDIS_URL="http://nope")

    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "REDIS_URL" in result.stderr


def test_health_passes_only_for_roles_that_are_alive(
    start_worker: StartWorker, postgres_url: str, redis_url: str
) -> None:
    start_worker("relay")
    checks = [(redis_url, "relay"), (redis_url,), ("redis://127.0.0.1:1/0", "relay")]
    with ThreadPoolExecutor() as pool:  # side by side: each is a process start
        alive, missing, down = pool.map(
            lambda check: worker_command(postgres_url, check[0], "health", *check[1:]), checks
        )

    assert alive.returncode == 0
    assert missing.returncode == 1
    assert "role jobs is not alive" in missing.stderr
    assert down.returncode == 1
    assert "Redis is unreachable" in down.stderr


def test_the_supervisor_restarts_a_crashed_role_and_stops_all_on_sigterm(
    start_worker: StartWorker, redis_url: str
) -> None:
    supervisor = start_worker()
    client = redis.Redis.from_url(redis_url)
    key = heartbeat_key(Role.JOBS)
    crashed_pid = int(client.get(key) or 0)

    os.kill(crashed_pid, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while int(client.get(key) or 0) in (0, crashed_pid):
        assert time.monotonic() < deadline, "the jobs role was not restarted"
        time.sleep(0.1)
    children = [int(client.get(heartbeat_key(role)) or 0) for role in Role]

    assert supervisor.stop() == 0
    for pid in children:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # every role process is gone
    assert "child exited; restarting" in supervisor.log()
    client.close()


def test_role_processes_stop_when_the_supervisor_is_killed(
    start_worker: StartWorker, redis_url: str
) -> None:
    supervisor = start_worker()
    client = redis.Redis.from_url(redis_url)
    children = [int(client.get(heartbeat_key(role)) or 0) for role in Role]
    client.close()
    assert all(children)

    supervisor.kill()
    deadline = time.monotonic() + 30
    while alive := [pid for pid in children if is_running(pid)]:
        assert time.monotonic() < deadline, f"role processes {alive} outlived the supervisor"
        time.sleep(0.1)


def test_the_supervisor_serves_the_metrics_of_every_role(
    start_worker: StartWorker, bookings: Bookings, published: PublishedEvents
) -> None:
    port = free_port()
    start_worker(METRICS_PORT=str(port))
    booking = bookings.create(due_in=-1.0)
    published.wait_for(
        lambda: published.of(booking.id, "booking.reminder"), timeout=15, what="the reminder"
    )

    def scrape() -> str:
        return httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text

    published.wait_for(
        lambda: 'bookings_reminder_jobs_processed_total{outcome="sent"} 1.0' in scrape(),
        timeout=10,
        what="the jobs role's counter",
    )
    text = scrape()
    assert "bookings_reminder_lateness_seconds_count 1.0" in text
    assert "bookings_outbox_published_total 2.0" in text  # created, then reminder


@pytest.mark.parametrize(
    ("env", "grace_s"),
    [
        ({}, 40.0),  # the jobs role's 30 s timeout is the longest
        ({"WEBHOOK_TIMEOUT_SECONDS": "120"}, 130.0),  # an attempt under way may take 120 s
    ],
)
def test_children_get_the_longest_work_s_time_to_stop(env: dict[str, str], grace_s: float) -> None:
    settings = WorkerSettings.from_env(Env({"APP_ENV": "test", **env}))

    assert stop_grace_s(settings) == grace_s
