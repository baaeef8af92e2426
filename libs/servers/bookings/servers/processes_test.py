import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bookings.servers.processes import (
    MissingBinaryError,
    NotReady,
    find_binary,
    free_port,
    stop_process,
    wait_until_ok,
)


def test_a_free_port_is_bindable_and_below_the_ephemeral_range() -> None:
    first_ephemeral = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    port = free_port()
    assert 1024 <= port < first_ephemeral
    with socket.socket() as server:
        server.bind(("127.0.0.1", port))


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


def test_missing_binary_names_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", os.fspath(Path("/nonexistent")))
    with pytest.raises(MissingBinaryError, match="apt-get install no-such-package"):
        find_binary("no-such-server", install_hint="apt-get install no-such-package")
