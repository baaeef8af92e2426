"""Forked children: their exit status, a failure, a stop signal, and the end of their parent."""

from __future__ import annotations

import os
import signal
import time

from bookings.worker.forked import ForkedProcess
from bookings.worker.testing_processes import is_running


def test_the_parent_gets_the_status_the_child_returns() -> None:
    child = ForkedProcess.start(lambda: 3)

    assert child.wait(timeout=10) == 3
    assert child.poll() == 3  # reaped once, remembered


def test_a_child_that_raises_exits_1() -> None:
    def fail() -> int:
        raise RuntimeError("boom")

    assert ForkedProcess.start(fail).wait(timeout=10) == 1


def test_a_running_child_stops_on_sigterm_without_a_handler_of_its_own() -> None:
    child = ForkedProcess.start(_sleep_a_minute)
    assert child.wait(timeout=0.1) is None

    child.send_signal(signal.SIGTERM)

    assert child.wait(timeout=10) == -signal.SIGTERM


def test_a_child_gets_sigterm_when_its_parent_dies() -> None:
    read_end, write_end = os.pipe()

    def parent() -> int:
        os.close(read_end)
        grandchild = ForkedProcess.start(_sleep_a_minute)
        os.write(write_end, str(grandchild.pid).encode())
        return 0  # ends at once, leaving the grandchild behind

    child = ForkedProcess.start(parent)
    os.close(write_end)
    assert child.wait(timeout=10) == 0
    grandchild_pid = int(os.read(read_end, 32))
    os.close(read_end)
    deadline = time.monotonic() + 10
    while is_running(grandchild_pid):
        assert time.monotonic() < deadline, "the orphan kept running"
        time.sleep(0.02)


def _sleep_a_minute() -> int:
    time.sleep(60)
    return 0
