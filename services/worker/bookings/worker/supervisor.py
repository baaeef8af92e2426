"""Running several roles at once: one child process per role, watched by this process.

A child that exits while the worker is running is started again (after a pause that grows while
it keeps failing); SIGTERM or SIGINT stops every child (SIGTERM, then SIGKILL after a grace
period) and then the supervisor. Children write prometheus_client's multiprocess files into a
folder of the supervisor's; the supervisor serves their sum on the metrics port.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from types import FrameType

import structlog
from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

from bookings.runtime.logs import configure_logging
from bookings.worker.roles import Role
from bookings.worker.settings import WorkerSettings

log = structlog.get_logger(__name__)

SUPERVISED_FLAG = "--supervised"
FIRST_PAUSE_S = 1.0
MAX_PAUSE_S = 30.0
HEALTHY_RUN_S = 60.0  # a child that ran this long starts its next failure with a short pause
WATCH_EVERY_S = 0.2


@dataclass
class _Child:
    role: Role
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restart_at: float = 0.0
    pause_s: float = FIRST_PAUSE_S


def child_command(role: Role) -> list[str]:
    return [sys.executable, "-m", "bookings.worker", role.value, SUPERVISED_FLAG]


class Supervisor:
    def __init__(self, roles: tuple[Role, ...], settings: WorkerSettings) -> None:
        self._children = [_Child(role) for role in roles]
        self._settings = settings
        self._stop = threading.Event()
        self._metrics_dir = ""

    def run(self) -> int:
        common = self._settings.common
        configure_logging(common.log_level, common.log_format, service="worker")
        signal.signal(signal.SIGTERM, self._request_stop)
        signal.signal(signal.SIGINT, self._request_stop)
        self._metrics_dir = tempfile.mkdtemp(prefix="bookings-worker-metrics-")
        try:
            self._serve_metrics()
            log.info("supervisor started", roles=[c.role.value for c in self._children])
            while not self._stop.is_set():
                self._watch()
                self._stop.wait(WATCH_EVERY_S)
            self._stop_children()
        finally:
            shutil.rmtree(self._metrics_dir, ignore_errors=True)
        log.info("supervisor stopped")
        return 0

    def _request_stop(self, signum: int, frame: FrameType | None) -> None:
        self._stop.set()

    def _serve_metrics(self) -> None:
        if not self._settings.metrics_port:
            return
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=self._metrics_dir)
        start_http_server(
            self._settings.metrics_port, addr=self._settings.metrics_host, registry=registry
        )

    def _watch(self) -> None:
        now = time.monotonic()
        for child in self._children:
            process = child.process
            if process is not None and process.poll() is not None:
                mark_process_dead(process.pid, self._metrics_dir)
                ran_s = now - child.started_at
                if ran_s >= HEALTHY_RUN_S:
                    child.pause_s = FIRST_PAUSE_S
                log.error(
                    "role exited; restarting",
                    role=child.role.value,
                    exit_code=process.returncode,
                    restart_in_s=child.pause_s,
                )
                child.process = None
                child.restart_at = now + child.pause_s
                child.pause_s = min(child.pause_s * 2, MAX_PAUSE_S)
            if child.process is None and now >= child.restart_at:
                child.process = subprocess.Popen(child_command(child.role), env=self._child_env())
                child.started_at = now

    def _child_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PROMETHEUS_MULTIPROC_DIR"] = self._metrics_dir
        # Children import the same code: give them this process's import path, whether it
        # comes from a pex, a virtualenv or a test runner.
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        return env

    def _stop_children(self) -> None:
        running = [c.process for c in self._children if c.process is not None]
        for process in running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        # The jobs role finishes the job it is running before it exits.
        deadline = time.monotonic() + self._settings.reminder_job_timeout.total_seconds() + 10
        for process in running:
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.error("role did not stop in time; killing it", pid=process.pid)
                process.kill()
                process.wait()
