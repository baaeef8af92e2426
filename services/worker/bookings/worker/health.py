"""`worker health`: exits 0 only when Redis and PostgreSQL answer and every role given is alive.

A role is alive when its heartbeat key for this host exists (see heartbeat.py).
"""

from __future__ import annotations

import psycopg
import redis

from bookings.persistence.urls import libpq_url
from bookings.worker.heartbeat import heartbeat_key
from bookings.worker.roles import Role
from bookings.worker.settings import WorkerSettings

TIMEOUT_S = 3


def health_problems(
    settings: WorkerSettings, roles: tuple[Role, ...], *, host: str | None = None
) -> list[str]:
    """What is wrong, one line each; empty when healthy."""
    problems: list[str] = []
    client = redis.Redis.from_url(
        settings.common.redis_url, socket_connect_timeout=TIMEOUT_S, socket_timeout=TIMEOUT_S
    )
    try:
        client.ping()
        problems += [
            f"role {role.value} is not alive"
            for role in roles
            if not client.exists(heartbeat_key(role, host))
        ]
    except redis.RedisError as error:
        problems.append(f"Redis is unreachable: {error}")
    finally:
        client.close()
    try:
        url = libpq_url(settings.common.database_url)
        with psycopg.connect(url, connect_timeout=TIMEOUT_S) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        problems.append(f"PostgreSQL is unreachable: {str(error).strip().splitlines()[0]}")
    return problems
