"""The metrics endpoint: a taken port is a configuration error naming METRICS_PORT."""

from __future__ import annotations

import socket

import httpx
import pytest
from prometheus_client import CollectorRegistry, Counter

from bookings.runtime.env import ConfigError, Env
from bookings.worker.metrics_server import MetricsServer, listen_for_metrics
from bookings.worker.settings import WorkerSettings


def settings(port: int) -> WorkerSettings:
    return WorkerSettings.from_env(Env({"APP_ENV": "test", "METRICS_PORT": str(port)}))


def test_a_taken_port_is_an_error_naming_the_setting() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError) as raised:
            listen_for_metrics(settings(port))

    assert raised.value.variable == "METRICS_PORT"
    assert f"127.0.0.1:{port}" in str(raised.value)


def test_port_0_serves_no_metrics() -> None:
    assert listen_for_metrics(settings(0)) is None


def test_the_server_answers_with_the_registry_s_samples() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    listener = listen_for_metrics(settings(port))
    assert listener is not None
    registry = CollectorRegistry()
    Counter("bookings_test_things", "Things.", registry=registry).inc(2)
    server = MetricsServer(listener, registry)
    server.serve_in_background()
    try:
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    finally:
        server.shutdown()
        server.server_close()

    assert "bookings_test_things_total 2.0" in text
