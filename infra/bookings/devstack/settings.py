"""Where the local stack puts its data and which ports it serves on (env vars, with defaults)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from bookings.devstack.services import ServiceSpec
from bookings.runtime.env import Env
from bookings.runtime.settings import database_url, redis_url


@dataclass(frozen=True)
class StackSettings:
    data_dir: Path
    database_url: str
    redis_url: str
    api_port: int
    # One API worker per core (see services/api/README.md, "Sizing").
    api_workers: int
    broadcaster_port: int
    worker_metrics_port: int

    @classmethod
    def from_env(cls, env: Env) -> StackSettings:
        return cls(
            data_dir=Path(env.get("BOOKINGS_DATA_DIR", ".local")).resolve(),
            database_url=database_url(env),
            redis_url=redis_url(env),
            api_port=env.integer("API_PORT", 3000, minimum=1, maximum=65535),
            api_workers=env.integer(
                "API_WORKERS", len(os.sched_getaffinity(0)), minimum=1, maximum=64
            ),
            broadcaster_port=env.integer("BROADCASTER_PORT", 3001, minimum=1, maximum=65535),
            worker_metrics_port=env.integer("WORKER_METRICS_PORT", 9102, minimum=1, maximum=65535),
        )

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def broadcaster_url(self) -> str:
        return f"http://127.0.0.1:{self.broadcaster_port}"

    def services(self) -> tuple[ServiceSpec, ...]:
        return (
            ServiceSpec(
                "api",
                "bookings.api.main",
                {"PORT": str(self.api_port), "API_WORKERS": str(self.api_workers)},
                ready_url=f"{self.api_url}/health/ready",
            ),
            ServiceSpec(
                "broadcaster",
                "bookings.broadcaster.main",
                {"PORT": str(self.broadcaster_port)},
                ready_url=f"{self.broadcaster_url}/health/ready",
            ),
            ServiceSpec(
                "worker", "bookings.worker", {"METRICS_PORT": str(self.worker_metrics_port)}
            ),
        )
