"""Fixtures of the handler tests: a fake clock, the context the handlers run in, and a unit of
work over in-memory fakes."""

from __future__ import annotations

import pytest

from bookings.domain.decisions import Context
from bookings.domain.fakes import FakeClock, FakeUnitOfWork
from bookings.domain.testing_bookings import LEAD, NOW


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def context(clock: FakeClock) -> Context:
    return Context(clock=clock, reminder_lead=LEAD)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()
