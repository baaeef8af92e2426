"""`./pants run infra:up` runs the packaged `infra/up.pex`; this drives that same binary."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bookings.servers.processes import free_port

UP_PEX = Path("infra/up.pex")
READY_LINE = "the bookings platform is up"
# A bound on each request, not an expectation: a loaded machine may answer slowly.
REQUEST_TIMEOUT_S = 30.0


def descendants(pid: int) -> set[int]:
    """The processes below `pid`, read from /proc while they may be starting and exiting."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except (FileNotFoundError, ProcessLookupError):  # the thread or process has ended
            continue
        for child in map(int, children):
            found |= {child, *descendants(child)}
    return found


def is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False


class Stack:
    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(UP_PEX)],
            env={**os.environ, **env, "NO_COLOR": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            self.lines.put(line)

    def wait_for_line(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if text in self.lines.get(timeout=0.5):
                    return
            except queue.Empty:
                if self.process.poll() is not None:
                    break
        raise AssertionError(f"no {text!r} line; output:\n{''.join(self.output)[-4000:]}")

    def wait(self, timeout: float) -> int:
        """The exit status, once the stack has exited and every line it wrote has been read."""
        status = self.process.wait(timeout=timeout)
        self._reader.join(timeout=timeout)
        return status

    def stop_all(self) -> None:
        """After a failed test: the stack's own stop (SIGINT, as Ctrl-C), then SIGKILL for
        whatever still runs, by PID. Killing the stack alone would orphan its servers."""
        if self.process.poll() is not None:
            return
        running = descendants(self.process.pid)
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        for pid in running:
            if is_alive(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def stack_env() -> Iterator[dict[str, str]]:
    # Not under pytest's tmp_path: its parents are private to root, and the server runs as the
    # postgres user, which must reach the data folder.
    data_dir = Path(tempfile.mkdtemp(prefix="bookings-stack-"))
    data_dir.chmod(0o755)
    yield {
        "BOOKINGS_DATA_DIR": str(data_dir),
        "DATABASE_URL": f"postgresql://postgres:postgres@localhost:{free_port()}/bookings",
        "REDIS_URL": f"redis://localhost:{free_port()}/0",
        "API_PORT": str(free_port()),
        "BROADCASTER_PORT": str(free_port()),
        "WORKER_METRICS_PORT": str(free_port()),
        "REMINDER_LEAD_SECONDS": "600",
    }
    shutil.rmtree(data_dir, ignore_errors=True)


def test_up_runs_the_platform_and_ctrl_c_leaves_nothing_running(stack_env: dict[str, str]) -> None:
    stack = Stack(stack_env)
    try:
        stack.wait_for_line(READY_LINE, timeout=180)
        started = descendants(stack.process.pid)
        assert len(started) >= 5  # postgres, redis, api, broadcaster, worker (and their children)

        api = f"http://127.0.0.1:{stack_env['API_PORT']}"
        login = httpx.post(
            f"{api}/auth/login",
            json={"sub": "p-1", "roles": ["provider"]},
            timeout=REQUEST_TIMEOUT_S,
        )
        token = login.json()["accessToken"]
        start = time.time() + 3600
        response = httpx.post(
            f"{api}/bookings",
            headers={"Authorization": f"Bearer {token}"},
            json={
                "title": "Stack check",
                "startTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start)),
                "endTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + 1800)),
            },
            timeout=REQUEST_TIMEOUT_S,
        )
        assert response.status_code == 201, response.text
        # Whichever API worker answers, a scrape counts every worker's requests; the worker's
        # metrics port sums its roles' (the relay published the booking's event).
        scrapes = [httpx.get(f"{api}/metrics", timeout=REQUEST_TIMEOUT_S) for _ in range(4)]
        assert all("bookings_created_total 1.0" in scrape.text for scrape in scrapes)
        worker_metrics = f"http://127.0.0.1:{stack_env['WORKER_METRICS_PORT']}/metrics"
        deadline = time.monotonic() + 30
        while "bookings_outbox_published_total 1.0" not in httpx.get(worker_metrics).text:
            assert time.monotonic() < deadline, "the worker's metrics never counted the event"
            time.sleep(0.2)

        stack.process.send_signal(signal.SIGINT)
        assert stack.wait(timeout=60) == 0, "".join(stack.output)[-4000:]
        assert [pid for pid in started if is_alive(pid)] == []
    finally:
        stack.stop_all()


@pytest.mark.parametrize(
    ("variable", "what"), [("API_PORT", "API"), ("WORKER_METRICS_PORT", "worker metrics")]
)
def test_a_port_in_use_is_one_clear_line(
    stack_env: dict[str, str], variable: str, what: str
) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", int(stack_env[variable])))
        squatter.listen()
        stack = Stack(stack_env)
        assert stack.wait(timeout=60) == 1
    errors = [line for line in stack.output if "error:" in line]
    assert len(errors) == 1
    assert f"port {stack_env[variable]} ({what}) is in use" in errors[0]
