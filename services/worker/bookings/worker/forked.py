"""Child processes forked from the supervisor, which has imported every role's code already.

A forked child starts at once and shares the supervisor's memory pages until it writes to them;
a child started as a new interpreter would spend about a second of CPU importing that code
again. Forking is safe because the supervisor runs one thread and holds no connection: the
child copies no lock that another thread holds and no socket that it would share.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from collections.abc import Callable

import structlog

from bookings.worker.parent import stop_with_parent

log = structlog.get_logger(__name__)

_STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}
_WAIT_POLL_S = 0.02


class ForkedProcess:
    """A child running `run()` until it returns its exit status; it ends with its parent."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    @classmethod
    def start(cls, run: Callable[[], int]) -> ForkedProcess:
        parent = os.getpid()
        # A stop signal that arrives between the fork and the child's own handlers must not run
        # the parent's handler in the child: both hold it back until they are ready.
        signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        try:
            pid = os.fork()
            if pid == 0:
                _run_child(run, parent)
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
        return cls(pid)

    def poll(self) -> int | None:
        """The exit status once the child has ended (its process is then reaped), else None."""
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float) -> int | None:
        """The exit status, or None if the child still runs after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while self.poll() is None and time.monotonic() < deadline:
            time.sleep(_WAIT_POLL_S)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)


def _run_child(run: Callable[[], int], parent: int) -> None:
    """Runs in the child and never returns: the parent's stack below the fork is not ours."""
    status = 1
    try:
        for signum in _STOP_SIGNALS:
            signal.signal(signum, signal.SIG_DFL)  # until `run` installs its own
        stop_with_parent(parent)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
        status = run()
    except BaseException:
        log.exception("child process failed")
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(status)
