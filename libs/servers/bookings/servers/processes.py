"""Finding server binaries, choosing their ports, running them as an unprivileged user when we
are root, waiting until they answer, and stopping them by PID."""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

# Test sandboxes may run with a minimal PATH; the usual system folders are searched too.
_SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_EPHEMERAL_PORTS = Path("/proc/sys/net/ipv4/ip_local_port_range")
_PORT_ATTEMPTS = 100


class MissingBinaryError(RuntimeError):
    """A server binary is not installed."""


class NotReady(RuntimeError):
    """A started server exited, or did not answer in time."""


def find_binary(name: str, *, extra_dirs: tuple[str, ...] = (), install_hint: str) -> str:
    search_path = os.pathsep.join((os.environ.get("PATH", ""), *extra_dirs, _SYSTEM_PATH))
    found = shutil.which(name, path=search_path)
    if found is None:
        raise MissingBinaryError(f"`{name}` was not found: {install_hint}")
    return found


def postgres_bin_dirs() -> tuple[str, ...]:
    """Debian keeps the server binaries out of PATH, one folder per major version."""
    dirs = glob.glob("/usr/lib/postgresql/*/bin")
    return tuple(sorted(dirs, key=lambda d: int(Path(d).parent.name), reverse=True))


def free_port() -> int:
    """A port free now, for a server about to start, from below the kernel's ephemeral range:
    the kernel gives ports from that range alone (to a bind to port 0, to every outgoing
    connection), so it hands this one to no other socket before the server binds it."""
    first_ephemeral = int(_EPHEMERAL_PORTS.read_text().split()[0])
    low = max(1024, first_ephemeral // 2)
    for _ in range(_PORT_ATTEMPTS):
        port = low + secrets.randbelow(max(1, first_ephemeral - low))
        if _is_free(port):
            return port
    raise RuntimeError(f"no free port between {low} and {first_ephemeral}")


def _is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@dataclass(frozen=True)
class RunAs:
    """Who a server process runs as: ourselves, or `user` when we are root."""

    user: str | None

    @classmethod
    def for_server(cls, user: str) -> RunAs:
        return cls(user if os.geteuid() == 0 else None)

    def give(self, path: Path) -> None:
        """Hands a folder we created over to the server's user."""
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            for folder, _, files in os.walk(path):
                os.chown(folder, entry.pw_uid, entry.pw_gid)
                for name in files:
                    os.chown(Path(folder, name), entry.pw_uid, entry.pw_gid)

    def popen_kwargs(self) -> dict[str, object]:
        if self.user is None:
            return {}
        entry = pwd.getpwnam(self.user)
        return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def stop_process(process: subprocess.Popen[bytes], *, sig: int = signal.SIGTERM) -> None:
    """Stops one process by its PID: politely first, then for good."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def answers_ok(url: str, *, timeout: float = 1.0) -> bool:
    """True when `url` (a loopback server started here) answers 200 within `timeout`."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (http only)
            return bool(response.status == 200)
    except OSError:  # refused, timed out, or an HTTP error status
        return False


def wait_until_ok(
    url: str, process: subprocess.Popen[bytes], *, timeout: float = 60.0, interval: float = 0.1
) -> None:
    """Returns once `url` answers 200; `NotReady` if `process` exits first or time runs out."""
    deadline = time.monotonic() + timeout
    while not answers_ok(url):
        if process.poll() is not None:
            raise NotReady(f"exited with status {process.returncode} before {url} answered")
        if time.monotonic() > deadline:
            raise NotReady(f"{url} did not answer 200 within {timeout:.0f} s")
        time.sleep(interval)
