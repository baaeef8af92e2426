"""Fixtures for the API's tests: a migrated database, a Redis, and clients of a real app."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from functools import partial
from uuid import uuid4

import icalendar
import jwt
import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine, create_engine

from bookings.api.app import create_app
from bookings.api.settings import ApiSettings
from bookings.migrations.config import upgrade
from bookings.persistence.urls import sqlalchemy_url
from bookings.runtime.env import Env

pytest_plugins = ["bookings.testing.pytest_plugin"]

SettingsFactory = Callable[..., ApiSettings]
TokenFactory = Callable[..., dict[str, str]]


@pytest.fixture(scope="session")
def prepare_database_template() -> Callable[[str], None]:
    """Every test database starts from the migrated schema."""
    return upgrade


def settings_for(postgres_url: str, redis_url: str, **variables: str) -> ApiSettings:
    """Settings for the test servers; keyword arguments set further env vars."""
    values: Mapping[str, str] = {
        "APP_ENV": "test",
        "DATABASE_URL": postgres_url,
        "REDIS_URL": redis_url,
        "DATABASE_POOL_SIZE": "5",
        **variables,
    }
    return ApiSettings.from_env(Env(values))


@pytest.fixture
def make_settings(postgres_url: str, redis_url: str) -> SettingsFactory:
    """Settings of an app of the test's own (`create_app`): keyword arguments set env vars."""
    return partial(settings_for, postgres_url, redis_url)


@pytest.fixture(scope="module")
def settings(postgres_url: str, redis_server_url: str) -> ApiSettings:
    return settings_for(postgres_url, redis_server_url)


@pytest.fixture(scope="module")
def client(settings: ApiSettings) -> Iterator[TestClient]:  # type: ignore[type-arg]
    """A client of the module's app: building an app costs more than most tests. Each test
    still starts with an empty Redis (`_fresh_redis`), so rate limits do not carry over."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture(autouse=True)
def _fresh_redis(redis_url: str) -> None:
    """Every test starts with an empty Redis."""


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    """An engine on the module's database, for rows written or read behind the app's back."""
    engine = create_engine(sqlalchemy_url(postgres_url))
    yield engine
    engine.dispose()


@pytest.fixture
def auth(settings: ApiSettings) -> TokenFactory:
    """`Authorization` headers: auth("p1") is a provider, auth("p1", "admin") an admin."""

    def headers(sub: str, *roles: str) -> dict[str, str]:
        # Minted with PyJWT alone, as a token from another issuer would be.
        now = int(time.time())
        claims = {"sub": sub, "roles": list(roles or ["provider"]), "iat": now, "exp": now + 600}
        token = jwt.encode(claims, settings.tokens.secret, algorithm="HS256")
        return {"Authorization": f"Bearer {token}"}

    return headers


@pytest.fixture
def provider_id() -> str:
    """A provider of this test's own."""
    return f"provider-{uuid4().hex[:8]}"


@pytest.fixture
def provider(auth: TokenFactory, provider_id: str) -> dict[str, str]:
    """`Authorization` headers of `provider_id`."""
    return auth(provider_id)


SlotFactory = Callable[..., dict[str, str]]


@pytest.fixture
def slot() -> SlotFactory:
    """`startTime`/`endTime` of a slot starting `hours` from now, lasting `minutes`."""

    def make(hours: float, minutes: float = 60) -> dict[str, str]:
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=hours)
        end = start + timedelta(minutes=minutes)
        return {"startTime": start.isoformat(), "endTime": end.isoformat()}

    return make


@pytest.fixture(scope="module")
def _strict_icalendar_events() -> Iterator[None]:
    """icalendar records a VEVENT's unparsable properties in `errors` instead of raising: the
    modules that parse feeds make it raise (`pytest.mark.usefixtures`)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(icalendar.Event, "ignore_exceptions", False)
        yield
