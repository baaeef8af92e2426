"""Rate limits: per principal on bookings, per IP on login, RateLimit-* headers, fail open."""

from __future__ import annotations

import time
from typing import Any

import psycopg
from litestar.testing import TestClient

from bookings.api.app import create_app
from bookings.api.conftest import SettingsFactory, SlotFactory, TokenFactory
from bookings.servers.processes import free_port
from bookings.servers.redis import throwaway_redis


def test_reads_over_the_limit_get_429_with_retry_after(
    make_settings: SettingsFactory, auth: TokenFactory
) -> None:
    settings = make_settings(RATE_LIMIT_READS_PER_MINUTE="3")
    with TestClient(create_app(settings)) as client:
        statuses = [
            client.get("/bookings/upcoming/list", headers=auth("reader")).status_code
            for _ in range(4)
        ]
        limited = client.get("/bookings/upcoming/list", headers=auth("reader"))
        other = client.get("/bookings/upcoming/list", headers=auth("another-reader"))
    assert statuses == [200, 200, 200, 429]
    assert limited.status_code == 429
    assert limited.headers["content-type"] == "application/problem+json"
    assert 1 <= int(limited.headers["retry-after"]) <= 61
    assert limited.headers["ratelimit-remaining"] == "0"
    assert other.status_code == 200  # limits are per principal


def test_responses_carry_ratelimit_headers(client: TestClient[Any], auth: TokenFactory) -> None:
    response = client.get("/bookings/upcoming/list", headers=auth("counted"))
    assert response.headers["ratelimit-limit"] == "600"
    assert response.headers["ratelimit-remaining"] == "599"
    assert int(response.headers["ratelimit-reset"]) >= 1


def test_writes_have_their_own_stricter_budget(
    make_settings: SettingsFactory, auth: TokenFactory, slot: SlotFactory
) -> None:
    settings = make_settings(RATE_LIMIT_WRITES_PER_MINUTE="2")
    with TestClient(create_app(settings)) as client:
        headers = auth("writer")
        statuses = [
            client.post(
                "/bookings", json={"title": "w", **slot(400 + i)}, headers=headers
            ).status_code
            for i in range(3)
        ]
        read = client.get("/bookings/upcoming/list", headers=headers)
    assert statuses == [201, 201, 429]
    assert read.status_code == 200


def test_login_is_limited_per_client_address(make_settings: SettingsFactory) -> None:
    settings = make_settings(RATE_LIMIT_LOGIN_PER_MINUTE="2")
    with TestClient(create_app(settings)) as client:
        statuses = [
            client.post("/auth/login", json={"sub": f"u{i}", "roles": ["provider"]}).status_code
            for i in range(3)
        ]
    assert statuses == [200, 200, 429]


def test_limits_can_be_turned_off(make_settings: SettingsFactory, auth: TokenFactory) -> None:
    settings = make_settings(RATE_LIMIT_ENABLED="false", RATE_LIMIT_READS_PER_MINUTE="1")
    with TestClient(create_app(settings)) as client:
        statuses = {
            client.get("/bookings/upcoming/list", headers=auth("free")).status_code
            for _ in range(3)
        }
    assert statuses == {200}


def test_bookings_are_created_while_redis_is_down(
    make_settings: SettingsFactory, auth: TokenFactory, slot: SlotFactory
) -> None:
    with throwaway_redis() as redis:
        settings = make_settings(REDIS_URL=redis.url)
        with TestClient(create_app(settings)) as client:
            headers = auth("resilient")
            before = client.post("/bookings", json={"title": "a", **slot(500)}, headers=headers)
            redis.process.terminate()
            redis.process.wait(timeout=10)
            during = client.post("/bookings", json={"title": "b", **slot(501)}, headers=headers)
            ready = client.get("/health/ready")
    assert before.status_code == 201
    assert during.status_code == 201
    assert ready.status_code == 503
    assert "redis" in ready.json()["detail"]


def test_readiness_names_an_unreachable_postgres(make_settings: SettingsFactory) -> None:
    settings = make_settings(DATABASE_URL=f"postgresql://postgres@127.0.0.1:{free_port()}/x")
    with TestClient(create_app(settings)) as client:
        ready = client.get("/health/ready")
        alive = client.get("/health")
    assert ready.status_code == 503
    assert ready.headers["content-type"] == "application/problem+json"
    assert "postgres" in ready.json()["detail"]
    assert "redis" not in ready.json()["detail"]
    assert alive.status_code == 200


def test_a_cut_database_session_is_a_503_and_the_pool_recovers(
    client: TestClient[Any], provider: dict[str, str], postgres_url: str
) -> None:
    assert client.get("/bookings/upcoming/list", headers=provider).status_code == 200
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        cut = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    assert cut is not None
    assert cut[0] >= 1
    statuses = [client.get("/bookings/upcoming/list", headers=provider) for _ in range(20)]
    failed = [r for r in statuses if r.status_code != 200]
    assert failed, "no request met a cut session"
    assert {r.status_code for r in failed} == {503}
    assert failed[0].headers["retry-after"] == "1"
    assert failed[0].headers["content-type"] == "application/problem+json"
    # Broken connections are replaced: the pool serves again.
    for _ in range(50):
        if client.get("/bookings/upcoming/list", headers=provider).status_code == 200:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the pool never served again")


def test_readiness_is_ok_when_both_answer(client: TestClient[Any]) -> None:
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json()["checks"] == {"postgres": "ok", "redis": "ok"}


def test_failed_authentication_is_limited_per_client_address(
    make_settings: SettingsFactory, auth: TokenFactory
) -> None:
    settings = make_settings(RATE_LIMIT_LOGIN_PER_MINUTE="3")
    forged = {"Authorization": "Bearer not.a.token"}
    with TestClient(create_app(settings)) as client:
        statuses = [
            client.get("/bookings/upcoming/list", headers=headers).status_code
            for headers in (forged, {}, forged, forged)
        ]
        limited = client.post("/bookings", json={}, headers=forged)
        # Only failures are counted against the address: a valid token still gets through.
        valid = client.get("/bookings/upcoming/list", headers=auth("same-address"))
    assert statuses == [401, 401, 401, 429]
    assert limited.status_code == 429
    assert limited.headers["content-type"] == "application/problem+json"
    assert 1 <= int(limited.headers["retry-after"]) <= 61
    assert valid.status_code == 200


def test_a_token_without_a_booking_role_still_spends_its_budget(
    make_settings: SettingsFactory, auth: TokenFactory
) -> None:
    settings = make_settings(RATE_LIMIT_READS_PER_MINUTE="2")
    with TestClient(create_app(settings)) as client:
        statuses = [
            client.get("/bookings/upcoming/list", headers=auth("auditor", "auditor")).status_code
            for _ in range(3)
        ]
    assert statuses == [403, 403, 429]
