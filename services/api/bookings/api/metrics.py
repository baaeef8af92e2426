"""Prometheus metrics: requests per route and status, their latency, bookings created/cancelled.

With several server processes, prometheus_client's multiprocess mode is used: the server sets
PROMETHEUS_MULTIPROC_DIR before any worker starts, each worker writes its samples there, and
`/metrics` adds them up, so a scrape sees the whole server whichever worker answers it.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

from bookings.runtime.metrics_folder import MULTIPROC_DIR_VAR

_LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        # A registry per app, so that several apps (tests) can live in one process.
        self.registry = CollectorRegistry()
        labels = ("method", "route", "status")
        self.requests = Counter(
            "http_requests_total", "HTTP requests answered.", labels, registry=self.registry
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time to answer an HTTP request.",
            labels,
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.bookings_created = Counter(
            "bookings_created_total", "Bookings created.", registry=self.registry
        )
        self.bookings_cancelled = Counter(
            "bookings_cancelled_total", "Bookings cancelled.", registry=self.registry
        )
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            # labels() validates and hashes on every call; the label sets are few, keep them.
            labels = (method, route, str(status))
            children = (self.requests.labels(*labels), self.latency.labels(*labels))
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def render(self) -> bytes:
        if os.environ.get(MULTIPROC_DIR_VAR):
            merged = CollectorRegistry()
            MultiProcessCollector(merged)
            return generate_latest(merged)
        return generate_latest(self.registry)
