"""Liveness, readiness and metrics, for orchestrators and Prometheus (no auth)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from litestar import Response, get

from bookings.api.app_state import AppState
from bookings.api.dependencies import AppStateDep
from bookings.api.openapi import problems
from bookings.api.problems import ProblemSpec, problem_response
from bookings.api.schemas import HealthStatus

_CHECK_TIMEOUT_S = 2.0


@get("/health", operation_id="health", summary="The process is alive", tags=["operations"])
async def health() -> HealthStatus:
    return HealthStatus(status="ok")


@get(
    "/health/ready",
    operation_id="ready",
    summary="PostgreSQL and Redis are reachable",
    description="503 (problem+json) names the dependency that failed in `detail`.",
    tags=["operations"],
    responses=problems(503, database=False),
)
async def ready(app_state: AppStateDep) -> Response[HealthStatus] | Response[bytes]:
    checks = dict(
        zip(
            ("postgres", "redis"),
            await asyncio.gather(_check_postgres(app_state), _check_redis(app_state)),
            strict=True,
        )
    )
    failed = [f"{name} {result}" for name, result in checks.items() if result != "ok"]
    if failed:
        return problem_response(ProblemSpec(503, "not-ready", "; ".join(failed)), "/health/ready")
    return Response(HealthStatus(status="ok", checks=checks))


@get(
    "/metrics",
    operation_id="metrics",
    summary="Prometheus metrics",
    tags=["operations"],
    include_in_schema=False,
)
async def metrics(app_state: AppStateDep) -> Response[bytes]:
    return Response(app_state.metrics.render(), media_type=app_state.metrics.content_type)


async def _check_postgres(app_state: AppState) -> str:
    async def probe() -> None:
        async with app_state.pool.connection() as connection:
            await connection.execute("SELECT 1")

    return await _outcome(probe())


async def _check_redis(app_state: AppState) -> str:
    async def probe() -> None:
        await app_state.redis.ping()

    return await _outcome(probe())


async def _outcome(probe: Coroutine[Any, Any, None]) -> str:
    try:
        await asyncio.wait_for(probe, _CHECK_TIMEOUT_S)
    except Exception as error:  # any failure means "not ready", whatever its kind
        return f"unavailable: {type(error).__name__}"
    return "ok"
