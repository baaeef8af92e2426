"""A throwaway PostgreSQL cluster, and databases cloned from a template inside it."""

from __future__ import annotations

import secrets
import shutil
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

from bookings.testing.processes import (
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
_TEST_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
}


class PostgresStartError(RuntimeError):
    """The throwaway cluster did not come up; the message carries the end of its log."""


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
    bin_dirs = postgres_bin_dirs()
    initdb = find_binary("initdb", extra_dirs=bin_dirs, install_hint=_INSTALL_HINT)
    postgres = find_binary("postgres", extra_dirs=bin_dirs, install_hint=_INSTALL_HINT)
    run_as = RunAs.for_server("postgres")
    root = Path(tempfile.mkdtemp(prefix="bookings-pg-"))
    try:
        run_as.give(root)
        _initdb(initdb, root / "data", run_as)
        server = _start(postgres, root, run_as)
        try:
            yield server
        finally:
            # SIGINT is PostgreSQL's "fast" shutdown: clients are disconnected, no recovery needed.
            stop_process(server.process, sig=2)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _initdb(initdb: str, data: Path, run_as: RunAs) -> None:
    subprocess.run(
        [initdb, "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale"],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        **run_as.popen_kwargs(),  # type: ignore[call-overload]
    )


def _start(postgres: str, root: Path, run_as: RunAs) -> PostgresServer:
    log_path = root / "postgres.log"
    for _ in range(_START_ATTEMPTS):
        port = free_port()
        settings = {**_TEST_SETTINGS, "port": str(port), "unix_socket_directories": str(root)}
        argv = [postgres, "-D", str(root / "data")]
        for name, value in settings.items():
            argv += ["-c", f"{name}={value}"]
        with log_path.open("ab") as log:
            process = subprocess.Popen(  # type: ignore[call-overload]
                argv, stdout=log, stderr=log, stdin=subprocess.DEVNULL, **run_as.popen_kwargs()
            )
        server = PostgresServer(process=process, root=root, port=port)
        if _wait_until_ready(server):
            return server
        stop_process(process)  # another process took the port first: try a new one
    log_tail = log_path.read_text(errors="replace")[-2000:]
    raise PostgresStartError(f"PostgreSQL did not start; its log ends with:\n{log_tail}")


def _wait_until_ready(server: PostgresServer) -> bool:
    deadline = time.monotonic() + _READY_TIMEOUT_S
    while time.monotonic() < deadline and server.process.poll() is None:
        try:
            with psycopg.connect(server.admin_url, connect_timeout=2):
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
