"""The metrics endpoint: a taken port or a bad host is a configuration error naming it."""

from __future__ import annotations

import socket

import httpx
import pytest
from prometheus_client import CollectorRegistry, Counter

from bookings.runtime.env import ConfigError, Env
from bookings.worker.metrics_server import MetricsServer, listen_for_metrics
from bookings.worker.settings import WorkerSettings


def settings(port: int, host: str = "127.0.0.1") -> WorkerSettings:
    env = {"APP_ENV": "test", "METRICS_PORT": str(port), "METRICS_HOST": host}
    return WorkerSettings.from_env(Env(env))


def test_a_taken_port_is_an_error_naming_the_setting() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError) as raised:
            listen_for_metrics(settings(port))

    assert raised.value.variable == "METRICS_PORT"
    assert f"127.0.0.1:{port}" in str(raised.value)


def test_a_host_that_does_not_resolve_is_an_error_naming_the_setting() -> None:
    with pytest.raises(ConfigError) as raised:
        listen_for_metrics(settings(9102, host="no-such-host.invalid"))

    assert raised.value.variable == "METRICS_HOST"
    assert "no-such-host.invalid:9102" in str(raised.value)


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
