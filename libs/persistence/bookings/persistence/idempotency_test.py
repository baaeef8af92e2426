"""Idempotency keys on a real PostgreSQL: claims, replays, mismatches, take-overs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from sqlalchemy import Engine, create_engine, select

from bookings.domain import handlers
from bookings.domain.access import Actor
from bookings.domain.commands import CreateBooking
from bookings.domain.errors import BookingConflict
from bookings.domain.model import Booking
from bookings.persistence.idempotency import (
    ABANDONED_AFTER,
    KEY_TTL,
    ClaimOutcome,
    KeyRef,
    RecordingUnitOfWork,
    StoredResponse,
    claim_key,
    record_response,
    release_key,
)
from bookings.persistence.tables import bookings, idempotency_keys
from bookings.persistence.urls import sqlalchemy_url

NOW = datetime(2030, 1, 1, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def engine(postgres_url: str) -> Iterator[Engine]:
    engine = create_engine(sqlalchemy_url(postgres_url))
    yield engine
    engine.dispose()


@pytest.fixture
def ref() -> KeyRef:
    return KeyRef(principal="p1", key=uuid4().hex)


def claim(engine: Engine, ref: KeyRef, fingerprint: str, now: datetime = NOW) -> ClaimOutcome:
    with engine.connect() as connection:
        return claim_key(connection, ref, fingerprint, now=now).outcome


def complete(engine: Engine, ref: KeyRef, response: StoredResponse) -> None:
    with engine.begin() as connection:
        record_response(connection, ref, response)


def test_the_first_claim_wins_and_others_see_it_in_flight(engine: Engine, ref: KeyRef) -> None:
    assert claim(engine, ref, "f") is ClaimOutcome.CLAIMED
    assert claim(engine, ref, "f") is ClaimOutcome.IN_FLIGHT


def test_a_completed_key_replays_its_response(engine: Engine, ref: KeyRef) -> None:
    claim(engine, ref, "f")
    complete(engine, ref, StoredResponse(201, b'{"id": 1}'))
    with engine.connect() as connection:
        result = claim_key(connection, ref, "f", now=NOW)
    assert result.outcome is ClaimOutcome.REPLAY
    assert result.response == StoredResponse(201, b'{"id": 1}')


def test_a_completed_key_refuses_another_request(engine: Engine, ref: KeyRef) -> None:
    claim(engine, ref, "f")
    complete(engine, ref, StoredResponse(201, b"{}"))
    assert claim(engine, ref, "other") is ClaimOutcome.MISMATCH


def test_keys_are_per_principal(engine: Engine, ref: KeyRef) -> None:
    claim(engine, ref, "f")
    assert claim(engine, KeyRef("p2", ref.key), "f") is ClaimOutcome.CLAIMED


def test_an_abandoned_claim_can_be_taken_over(engine: Engine, ref: KeyRef) -> None:
    claim(engine, ref, "f")
    later = NOW + ABANDONED_AFTER
    assert claim(engine, ref, "f", now=later - timedelta(seconds=1)) is ClaimOutcome.IN_FLIGHT
    assert claim(engine, ref, "f", now=later) is ClaimOutcome.CLAIMED


def test_an_expired_key_is_a_new_key(engine: Engine, ref: KeyRef) -> None:
    claim(engine, ref, "f")
    complete(engine, ref, StoredResponse(201, b"{}"))
    assert claim(engine, ref, "other", now=NOW + KEY_TTL) is ClaimOutcome.CLAIMED


def test_a_released_claim_can_be_claimed_again(engine: Engine, ref: KeyRef) -> None:
    claim(engine, ref, "f")
    with engine.connect() as connection:
        release_key(connection, ref)
    assert claim(engine, ref, "f") is ClaimOutcome.CLAIMED


def _render(booking: Booking) -> StoredResponse:
    return StoredResponse(201, str(booking.id).encode())


def test_the_response_commits_with_the_booking(engine: Engine, ref: KeyRef) -> None:
    claim(engine, ref, "f")
    now = datetime.now(UTC)
    start = now + timedelta(days=400)
    command = CreateBooking(Actor("recorder"), "Recorded", start, start + timedelta(hours=1))
    context = handlers.Context(clock=lambda: now, reminder_lead=timedelta(minutes=10))
    with engine.connect() as connection:
        booking = handlers.create_booking(
            command, RecordingUnitOfWork(connection, ref, _render), context
        )
    with engine.connect() as connection:
        stored = connection.execute(
            select(idempotency_keys.c.status_code, idempotency_keys.c.response_body).where(
                idempotency_keys.c.key == ref.key
            )
        ).one()
        exists = connection.execute(
            select(bookings.c.id).where(bookings.c.id == booking.id)
        ).first()
    assert (stored.status_code, bytes(stored.response_body)) == (201, str(booking.id).encode())
    assert exists is not None


def test_a_failed_change_stores_no_response(engine: Engine, ref: KeyRef) -> None:
    now = datetime.now(UTC)
    start = now + timedelta(days=500)
    command = CreateBooking(Actor("clash"), "First", start, start + timedelta(hours=1))
    context = handlers.Context(clock=lambda: now, reminder_lead=timedelta(minutes=10))
    with engine.connect() as connection:
        handlers.create_booking(
            command, RecordingUnitOfWork(connection, KeyRef("x", "y"), _render), context
        )
    claim(engine, ref, "f")
    with engine.connect() as connection, pytest.raises(BookingConflict):
        handlers.create_booking(command, RecordingUnitOfWork(connection, ref, _render), context)
    assert claim(engine, ref, "f") is ClaimOutcome.IN_FLIGHT  # still claimed, nothing stored
