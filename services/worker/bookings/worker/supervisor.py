"""Running several roles at once: one child process per role, watched by this process.

Children are forked from this process, which has imported every role's code (forked.py). A
child that exits while the worker is running is started again (after a pause that grows while it
keeps failing); SIGTERM or SIGINT stops every child (SIGTERM, then SIGKILL after a grace period)
and then the supervisor. Role processes write prometheus_client's multiprocess files into the
metrics folder; one more child serves their sum on the metrics port.
"""

from __future__ import annotations

import gc
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from types import FrameType

import structlog
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

from bookings.runtime.logs import configure_logging
from bookings.worker.forked import ForkedProcess
from bookings.worker.metrics_server import MetricsServer, listen_for_metrics
from bookings.worker.role_process import run_role
from bookings.worker.roles import Role
from bookings.worker.settings import WorkerSettings

log = structlog.get_logger(__name__)

FIRST_PAUSE_S = 1.0
MAX_PAUSE_S = 30.0
HEALTHY_RUN_S = 60.0  # a child that ran this long starts its next failure with a short pause
WATCH_EVERY_S = 0.2
KILLED_EXIT_WAIT_S = 10.0
STOP_MARGIN_S = 10.0


def stop_grace_s(settings: WorkerSettings) -> float:
    """How long children get to stop before SIGKILL: the longest work a role may be in."""
    longest = max(settings.reminder_job_timeout, settings.webhooks.timeout)
    return longest.total_seconds() + STOP_MARGIN_S


@dataclass
class _Child:
    name: str
    run: Callable[[], int]
    process: ForkedProcess | None = None
    started_at: float = 0.0
    restart_at: float = 0.0
    pause_s: float = FIRST_PAUSE_S


class Supervisor:
    def __init__(
        self, roles: tuple[Role, ...], settings: WorkerSettings, *, metrics_folder: str
    ) -> None:
        self._roles = roles
        self._settings = settings
        self._metrics_folder = metrics_folder
        self._stop = threading.Event()
        self._listener: socket.socket | None = None

    def run(self) -> int:
        common = self._settings.common
        configure_logging(common.log_level, common.log_format, service="worker")
        signal.signal(signal.SIGTERM, self._request_stop)
        signal.signal(signal.SIGINT, self._request_stop)
        self._listener = listen_for_metrics(self._settings)
        # What the children inherit stays out of the cyclic collector's sight, so that its
        # passes in a child do not write to (and so copy) the pages they share.
        gc.freeze()
        children = [_Child(role.value, partial(self._run_role, role)) for role in self._roles]
        if self._listener is not None:
            children.append(_Child("metrics", partial(self._serve_metrics, self._listener)))
        try:
            log.info("supervisor started", roles=[role.value for role in self._roles])
            while not self._stop.is_set():
                self._watch(children)
                self._stop.wait(WATCH_EVERY_S)
            self._stop_children(children)
        finally:
            if self._listener is not None:
                self._listener.close()
        log.info("supervisor stopped")
        return 0

    def _request_stop(self, signum: int, frame: FrameType | None) -> None:
        self._stop.set()

    def _run_role(self, role: Role) -> int:
        if self._listener is not None:
            self._listener.close()  # the metrics child's to serve
        return run_role(role, self._settings, serve_metrics=False)

    def _serve_metrics(self, listener: socket.socket) -> int:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=self._metrics_folder)
        MetricsServer(listener, registry).serve_forever()  # until SIGTERM ends the process
        return 0

    def _watch(self, children: list[_Child]) -> None:
        now = time.monotonic()
        for child in children:
            process = child.process
            if process is not None and process.poll() is not None:
                mark_process_dead(process.pid, self._metrics_folder)
                if now - child.started_at >= HEALTHY_RUN_S:
                    child.pause_s = FIRST_PAUSE_S
                log.error(
                    "child exited; restarting",
                    child=child.name,
                    exit_code=process.returncode,
                    restart_in_s=child.pause_s,
                )
                child.process = None
                child.restart_at = now + child.pause_s
                child.pause_s = min(child.pause_s * 2, MAX_PAUSE_S)
            if child.process is None and now >= child.restart_at:
                child.process = ForkedProcess.start(child.run)
                child.started_at = now

    def _stop_children(self, children: list[_Child]) -> None:
        running = [child.process for child in children if child.process is not None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        # The jobs role finishes the job it is running, the webhooks role its attempts under way.
        deadline = time.monotonic() + stop_grace_s(self._settings)
        for process in running:
            if process.wait(timeout=max(0.0, deadline - time.monotonic())) is None:
                log.error("child did not stop in time; killing it", pid=process.pid)
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=KILLED_EXIT_WAIT_S)
