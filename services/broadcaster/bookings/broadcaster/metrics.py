"""Prometheus metrics of one broadcaster process, in a registry of its own (no globals), served
at `/metrics` on the WebSocket port."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

# Publish→send latency is a few milliseconds when healthy; the upper buckets show overload.
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.connections = Gauge(
            "broadcaster_connections",
            "Authenticated WebSocket connections currently open.",
            registry=self.registry,
        )
        self.frames_sent = Counter(
            "broadcaster_frames_sent",
            "Event frames written to connections (live and replayed).",
            registry=self.registry,
        )
        self.slow_clients_dropped = Counter(
            "broadcaster_slow_clients_dropped",
            "Connections closed because their outgoing buffer stayed over its bound.",
            registry=self.registry,
        )
        self.auth_failures = Counter(
            "broadcaster_auth_failures",
            "Connections closed during authentication, by close code.",
            ["code"],
            registry=self.registry,
        )
        self.tokens_expired = Counter(
            "broadcaster_tokens_expired",
            "Connections closed (4401) because their token expired while they listened.",
            registry=self.registry,
        )
        self.resyncs = Counter(
            "broadcaster_resyncs",
            "Resuming connections told to resync because their history was trimmed.",
            registry=self.registry,
        )
        self.publish_to_send = Histogram(
            "broadcaster_publish_to_send_seconds",
            "From the stream entry's append in Redis to its fan-out to live connections.",
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.stream_up = Gauge(
            "broadcaster_stream_up",
            "1 while the stream reader reaches Redis, 0 otherwise.",
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
