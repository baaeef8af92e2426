"""Worker processes for the tests: their environment, starting and stopping them, process states."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import redis

from bookings.worker.heartbeat import heartbeat_key
from bookings.worker.roles import ALL_ROLES, Role

LEAD = timedelta(seconds=2)
# Short intervals so that every test finishes in seconds.
WORKER_ENV = {
    "APP_ENV": "test",
    "REMINDER_LEAD_SECONDS": str(LEAD.total_seconds()),
    "SCHEDULER_INTERVAL_SECONDS": "0.05",
    "OUTBOX_POLL_INTERVAL_SECONDS": "0.2",
    "RECONCILE_INTERVAL_SECONDS": "0.25",
    "RECONCILE_HORIZON_SECONDS": "5",
    "REMINDER_JOB_TIMEOUT_SECONDS": "2",
    "METRICS_PORT": "0",
    "LOG_FORMAT": "json",
}
# Long enough for every periodic loop of the worker to run a few passes (the reconciler's is the
# longest): what a test waits for something that should not happen, such as a second reminder.
SETTLE_S = 3 * float(WORKER_ENV["RECONCILE_INTERVAL_SECONDS"])
# Worker processes compile the sources they import once, not each on its own: bytecode goes to
# a cache of the tests' own, also where writing it beside the sources is turned off.
BYTECODE_CACHE = Path(tempfile.gettempdir()) / "bookings-worker-tests-bytecode"


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of `/proc/<pid>/stat` after the command name (state, parent PID, ...), or None
    once the process is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            _, name_end, fields = stat.read().rpartition(") ")
    except (FileNotFoundError, ProcessLookupError):
        return None
    return fields.split() if name_end else None


def is_running(pid: int) -> bool:
    """Whether the process runs: a zombie has ended, only its parent has yet to reap it."""
    fields = _stat_fields(pid)
    return fields is not None and fields[0] != "Z"


def parent_pid(pid: int) -> int | None:
    """The PID of the process's parent, or None once the process is gone."""
    fields = _stat_fields(pid)
    return None if fields is None else int(fields[1])


class WorkerProcess:
    """`python -m bookings.worker ROLES...`, stopped by its PID."""

    def __init__(self, roles: tuple[str, ...], env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bookings.worker", *roles],
                env=env,
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
            )

    def wait_alive(self, redis_url: str, roles: tuple[str, ...], *, timeout: float = 60) -> None:
        """Waits for the heartbeat of every role (each beats once it has started) from this very
        process: a key that a killed, earlier worker wrote outlives it by up to its TTL."""
        client = redis.Redis.from_url(redis_url)
        keys = [heartbeat_key(Role(role)) for role in roles or [r.value for r in ALL_ROLES]]
        deadline = time.monotonic() + timeout
        try:
            while not all(self._beats(value) for value in client.mget(keys)):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"the worker did not start:\n{self.log()[-3000:]}")
                time.sleep(0.05)
        finally:
            client.close()

    def _beats(self, heartbeat: bytes | str | None) -> bool:
        """Whether a heartbeat key's value (its role process's PID) is this process's own (one
        role, run in this process) or one of its children's (roles under the supervisor)."""
        if heartbeat is None:
            return False
        pid = int(heartbeat)
        return self.process.pid in (pid, parent_pid(pid))

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as in a crash."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> int:
        self.terminate()
        return self.wait_stopped()

    def terminate(self) -> None:
        """SIGTERM, if it still runs: a clean stop."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def wait_stopped(self) -> int:
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        return self.process.returncode

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


StartWorker = Callable[..., WorkerProcess]


def worker_env(database_url: str, redis_url: str, **env: str) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {
        **inherited,
        **WORKER_ENV,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        # The test runner's import path (a pex, a virtualenv or PYTHONPATH).
        "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
        "PYTHONPYCACHEPREFIX": str(BYTECODE_CACHE),
        **env,
    }
