"""The local PostgreSQL and Redis, kept under the ignored `.local/` folder between runs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import psycopg
from psycopg import sql

from bookings.devstack.ports import require_free
from bookings.servers.postgres import (
    PostgresBinaries,
    PostgresServer,
    PostgresStartError,
    initialize_cluster,
)
from bookings.servers.postgres import log_tail as postgres_log_tail
from bookings.servers.postgres import start_postgres
from bookings.servers.processes import RunAs
from bookings.servers.redis import RedisServer, RedisStartError, find_redis_server
from bookings.servers.redis import log_tail as redis_log_tail
from bookings.servers.redis import start_redis

LOCAL_HOSTS = {"localhost", "127.0.0.1"}


@dataclass(frozen=True)
class DatabaseTarget:
    port: int
    user: str
    password: str
    database: str

    @classmethod
    def parse(cls, url: str) -> DatabaseTarget:
        parts = urlsplit(url)
        return cls(
            port=parts.port or 5432,
            user=unquote(parts.username or "postgres"),
            password=unquote(parts.password or "postgres"),
            database=parts.path.lstrip("/") or "bookings",
        )


def is_local(url: str) -> bool:
    return urlsplit(url).hostname in LOCAL_HOSTS


def start_local_postgres(data_root: Path, target: DatabaseTarget) -> PostgresServer:
    """Starts (creating on first use) the cluster in `data_root`, then its database."""
    require_free(target.port, what="PostgreSQL", override="set DATABASE_URL to another port")
    binaries = PostgresBinaries.find()
    run_as = RunAs.for_server("postgres")
    data_root.mkdir(parents=True, exist_ok=True)
    run_as.give(data_root)
    if not (data_root / "data" / "PG_VERSION").exists():
        initialize_cluster(
            binaries, data_root, run_as, superuser=target.user, password=target.password
        )
    credentials = f"{quote(target.user, safe='')}:{quote(target.password, safe='')}"
    probe_url = f"postgresql://{credentials}@127.0.0.1:{target.port}/postgres"
    server = start_postgres(binaries, data_root, run_as, port=target.port, probe_url=probe_url)
    if server is None:
        raise PostgresStartError(f"PostgreSQL did not start:\n{postgres_log_tail(data_root)}")
    _create_database(probe_url, target.database)
    return server


def _create_database(server_url: str, name: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def start_local_redis(data_root: Path, redis_url: str) -> RedisServer:
    port = urlsplit(redis_url).port or 6379
    require_free(port, what="Redis", override="set REDIS_URL to another port")
    data_root.mkdir(parents=True, exist_ok=True)
    server = start_redis(find_redis_server(data_root), data_root, port=port, persistent=True)
    if server is None:
        raise RedisStartError(f"Redis did not start:\n{redis_log_tail(data_root)}")
    return server
