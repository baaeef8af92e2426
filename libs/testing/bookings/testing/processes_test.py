import subprocess
import sys

import pytest

from bookings.testing.processes import NotReady, free_port, stop_process, wait_until_ok


def test_wait_until_ok_returns_once_the_server_answers() -> None:
    port = free_port()
    argv = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    server = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_ok(f"http://127.0.0.1:{port}/", server, timeout=30)
        assert server.poll() is None
    finally:
        stop_process(server)


def test_wait_until_ok_reports_a_process_that_exits_first() -> None:
    exits = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    with pytest.raises(NotReady, match="exited with status 3"):
        wait_until_ok(f"http://127.0.0.1:{free_port()}/", exits, timeout=30)


def test_wait_until_ok_gives_up_after_its_timeout() -> None:
    idle = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        with pytest.raises(NotReady, match="did not answer"):
            wait_until_ok(f"http://127.0.0.1:{free_port()}/", idle, timeout=0.5)
    finally:
        stop_process(idle)
