"""The sender's claims on a real PostgreSQL: due deliveries under a lease, within a sender's
room overall and per endpoint, never the same delivery twice."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from psycopg import AsyncConnection

from bookings.persistence.database import Database
from bookings.persistence.testing_deliveries import (
    LEASE,
    Connection,
    add_deliveries,
    add_endpoint,
    claim,
    delivery,
)
from bookings.persistence.urls import libpq_url


async def test_a_claim_takes_due_deliveries_of_enabled_endpoints_under_a_lease(
    database: Database, connection: Connection
) -> None:
    endpoint = add_endpoint(database, previous_secret="whsec_old", secret="whsec_new")
    due = add_deliveries(database, endpoint, 2)
    add_deliveries(database, endpoint, 1, due_in=60)  # not due yet
    add_deliveries(database, add_endpoint(database, enabled=False), 1)  # its endpoint is off
    expired = add_endpoint(
        database,
        previous_secret="whsec_expired",
        previous_secret_expires_at=datetime.now(UTC) - timedelta(seconds=1),
    )
    due += add_deliveries(database, expired, 1)
    before = datetime.now(UTC)

    result = await claim(connection)

    assert sorted(d.id for d in result) == sorted(due)
    for claimed in result:
        row = delivery(database, claimed.id)
        assert row.status == "pending"  # still pending: a dead sender's claim comes due again
        assert row.next_attempt_at == claimed.lease
        assert before + LEASE <= claimed.lease <= datetime.now(UTC) + LEASE
        assert claimed.attempts == 0
    secrets = {d.endpoint_id: (d.secret, d.previous_secret) for d in result}
    assert secrets[endpoint] == ("whsec_new", None)  # no expiry: never set by a rotation
    assert secrets[expired][1] is None
    assert await claim(connection) == []  # leased: not due any more


async def test_the_previous_secret_comes_along_until_it_expires(
    database: Database, connection: Connection
) -> None:
    endpoint = add_endpoint(
        database,
        previous_secret="whsec_old",
        previous_secret_expires_at=datetime.now(UTC) + timedelta(hours=1),
    )
    add_deliveries(database, endpoint, 1)

    [claimed] = await claim(connection)

    assert claimed.previous_secret == "whsec_old"


async def test_a_claim_stays_within_capacity_and_each_endpoints_room(
    database: Database, connection: Connection
) -> None:
    slow, fast, busy_one = (add_endpoint(database) for _ in range(3))
    add_deliveries(database, slow, 10)  # due first
    add_deliveries(database, fast, 3, due_in=-0.5)
    add_deliveries(database, busy_one, 3, due_in=-0.5)

    result = await claim(connection, capacity=7, per_endpoint=3, busy={busy_one: 2, uuid4(): 1})

    taken = Counter(d.endpoint_id for d in result)
    assert taken == {slow: 3, fast: 3, busy_one: 1}


async def test_endpoints_at_their_limit_are_passed_over_whatever_their_backlog(
    database: Database, connection: Connection
) -> None:
    stuck, other = add_endpoint(database), add_endpoint(database)
    add_deliveries(database, stuck, 50)  # due long before the other endpoint's
    wanted = add_deliveries(database, other, 2, due_in=-0.5)

    result = await claim(connection, capacity=4, per_endpoint=4, busy={stuck: 4})

    assert sorted(d.id for d in result) == sorted(wanted)


async def test_the_endpoints_waiting_longest_go_first_when_room_is_short(
    database: Database, connection: Connection
) -> None:
    waiting = [add_endpoint(database) for _ in range(4)]
    for age, endpoint in enumerate(waiting):
        add_deliveries(database, endpoint, 3, due_in=-10.0 + age)
    add_deliveries(database, add_endpoint(database), 1, due_in=600)  # pending, not due

    result = await claim(connection, capacity=5, per_endpoint=2)

    assert Counter(d.endpoint_id for d in result) == {waiting[0]: 2, waiting[1]: 2, waiting[2]: 1}


async def test_senders_side_by_side_never_claim_the_same_delivery(
    database: Database, postgres_url: str
) -> None:
    endpoints = [add_endpoint(database) for _ in range(10)]
    for endpoint in endpoints:
        add_deliveries(database, endpoint, 20)
    connections = [
        await AsyncConnection.connect(libpq_url(postgres_url), autocommit=True) for _ in range(4)
    ]
    try:
        claimed: list[UUID] = []

        async def sender(connection: Connection) -> None:
            while result := await claim(connection, capacity=7, per_endpoint=3):
                claimed.extend(d.id for d in result)

        await asyncio.gather(*(sender(c) for c in connections))
    finally:
        for connection in connections:
            await connection.close()

    assert len(claimed) == len(set(claimed)) == 200
