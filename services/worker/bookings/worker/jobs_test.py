"""The jobs role's RQ worker and stop requests."""

import logging
import threading

import pytest
import redis
from prometheus_client import CollectorRegistry

from bookings.worker.heartbeat import Heartbeat
from bookings.worker.jobs import reminder_worker
from bookings.worker.metrics import WorkerMetrics
from bookings.worker.roles import Role


def test_a_stop_requested_before_rq_takes_sigterm_over_is_not_lost(
    redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = redis.Redis.from_url(redis_url)
    stop = threading.Event()
    stop.set()  # SIGTERM arrived while the role was starting
    heartbeat = Heartbeat(client, Role.JOBS, stall_after_s=60)
    worker = reminder_worker(
        client, WorkerMetrics(CollectorRegistry()), stop=stop, heartbeat=heartbeat
    )
    with caplog.at_level(logging.INFO, logger="rq.worker"):
        worker.work(logging_level="INFO", max_idle_time=5)  # the bound keeps a failure short
    client.close()
    assert "stopping on request" in caplog.text
