"""PostgreSQL clusters run from the installed server binaries: throwaway ones for tests
(databases cloned from a template inside them), lasting ones for the local stack."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

from bookings.servers.processes import (
    RunAs,
    find_binary,
    free_port,
    postgres_bin_dirs,
    stop_process,
)

_INSTALL_HINT = (
    "install the PostgreSQL server (apt-get install postgresql) or set TEST_DATABASE_URL"
)
_START_ATTEMPTS = 3
_READY_TIMEOUT_S = 30.0

# Durability is pointless for a cluster that is deleted after the run, and costly.
_THROWAWAY_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
# A cluster is thousands of small files, and each database cloned for a test copies hundreds:
# a disk file system spends more CPU creating and deleting them than PostgreSQL spends on the
# tests (initdb: 1.0 s on ext4, 0.36 s in memory). Throwaway clusters go to memory when the
# machine has a roomy tmpfs there.
_MEMORY_DIR = Path("/dev/shm")  # noqa: S108 (mkdtemp makes a private folder in it)
_MEMORY_DIR_MIN_FREE_BYTES = 1 << 30


class PostgresStartError(RuntimeError):
    """The cluster did not come up; the message carries the end of its log."""


@dataclass(frozen=True)
class PostgresBinaries:
    initdb: str
    postgres: str

    @classmethod
    def find(cls) -> PostgresBinaries:
        bin_dirs = postgres_bin_dirs()
        return cls(
            initdb=find_binary("initdb", extra_dirs=bin_dirs, install_hint=_INSTALL_HINT),
            postgres=find_binary("postgres", extra_dirs=bin_dirs, install_hint=_INSTALL_HINT),
        )


@dataclass(frozen=True)
class PostgresServer:
    process: subprocess.Popen[bytes]
    root: Path
    port: int

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"


@contextmanager
def throwaway_postgres() -> Iterator[PostgresServer]:
    """Initialises a cluster in a temp folder, serves it on a free port, then deletes it all."""
    binaries = PostgresBinaries.find()
    run_as = RunAs.for_server("postgres")
    root = Path(tempfile.mkdtemp(prefix="bookings-pg-", dir=_throwaway_parent()))
    try:
        run_as.give(root)
        initialize_cluster(binaries, root, run_as)
        server = _start_on_a_free_port(binaries, root, run_as)
        try:
            yield server
        finally:
            stop_postgres(server)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _throwaway_parent() -> Path | None:
    """The memory file system if it has room, else None: the temp folder."""
    try:
        roomy = shutil.disk_usage(_MEMORY_DIR).free >= _MEMORY_DIR_MIN_FREE_BYTES
    except OSError:  # no such folder
        return None
    return _MEMORY_DIR if roomy and os.access(_MEMORY_DIR, os.W_OK) else None


def initialize_cluster(
    binaries: PostgresBinaries,
    root: Path,
    run_as: RunAs,
    *,
    superuser: str = "postgres",
    password: str | None = None,
) -> None:
    """Creates the cluster in `root/data`, owned by `superuser`.

    Without a password every local connection is trusted (tests); with one, TCP connections
    must present it.
    """
    argv = [binaries.initdb, "-D", str(root / "data"), "-U", superuser, "-E", "UTF8"]
    argv += ["--no-locale"]
    if password is None:
        argv += ["-A", "trust"]
    else:
        password_file = root / "password"
        password_file.write_text(password)
        run_as.give(password_file)
        argv += ["--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={password_file}"]
    try:
        result = subprocess.run(
            argv,
            check=False,
            capture_output=True,
            text=True,
            **run_as.popen_kwargs(),  # type: ignore[call-overload]
        )
    finally:
        if password is not None:
            (root / "password").unlink(missing_ok=True)
    if result.returncode != 0:
        raise PostgresStartError(f"initdb failed in {root}: {result.stderr.strip()}")


def start_postgres(
    binaries: PostgresBinaries,
    root: Path,
    run_as: RunAs,
    *,
    port: int,
    probe_url: str,
    durable: bool = True,
) -> PostgresServer | None:
    """Serves the cluster in `root` on 127.0.0.1:`port`; None if it stopped before ready."""
    settings = {
        "listen_addresses": "127.0.0.1",
        "port": str(port),
        "unix_socket_directories": str(root),
        "max_connections": "200",
        **({} if durable else _THROWAWAY_SETTINGS),
    }
    argv = [binaries.postgres, "-D", str(root / "data")]
    for name, value in settings.items():
        argv += ["-c", f"{name}={value}"]
    with (root / "postgres.log").open("ab") as log:
        process = subprocess.Popen(  # type: ignore[call-overload]
            argv, stdout=log, stderr=log, stdin=subprocess.DEVNULL, **run_as.popen_kwargs()
        )
    server = PostgresServer(process=process, root=root, port=port)
    if _wait_until_ready(process, probe_url):
        return server
    stop_postgres(server)
    return None


def stop_postgres(server: PostgresServer) -> None:
    # SIGINT is PostgreSQL's "fast" shutdown: clients are disconnected, no recovery needed.
    stop_process(server.process, sig=signal.SIGINT)


def log_tail(root: Path) -> str:
    log_path = root / "postgres.log"
    return log_path.read_text(errors="replace")[-2000:] if log_path.exists() else ""


def _start_on_a_free_port(binaries: PostgresBinaries, root: Path, run_as: RunAs) -> PostgresServer:
    for _ in range(_START_ATTEMPTS):
        port = free_port()
        probe_url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        server = start_postgres(
            binaries, root, run_as, port=port, probe_url=probe_url, durable=False
        )
        if server is not None:
            return server  # else another process took the port first: try a new one
    raise PostgresStartError(f"PostgreSQL did not start; its log ends with:\n{log_tail(root)}")


def _wait_until_ready(process: subprocess.Popen[bytes], probe_url: str) -> bool:
    deadline = time.monotonic() + _READY_TIMEOUT_S
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with psycopg.connect(probe_url, connect_timeout=2):
                return True
        except psycopg.OperationalError:
            time.sleep(0.05)
    return False


def database_url(server_url: str, name: str) -> str:
    """The URL of database `name` on the server that `server_url` points to."""
    return urlsplit(server_url)._replace(path=f"/{name}").geturl()


def unique_database_name(purpose: str) -> str:
    return f"bookings_{purpose}_{secrets.token_hex(4)}"


def create_database(admin_url: str, name: str, *, template: str | None = None) -> None:
    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template is not None:
        statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(statement)


def drop_database(admin_url: str, name: str) -> None:
    statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(statement)
