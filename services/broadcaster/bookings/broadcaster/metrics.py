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

        self.connections_refused = Counter(
            "broadcaster_connections_refused",
            "Connections refused by a limit: `total` (HTTP 503) or `per_subject` (close 4429).",
            ["limit"],
            registry=self.registry,
        )
        for limit in ("total", "per_subject"):  # shown at 0 before the first refusal
            self.connections_refused.labels(limit=limit)
        self.replays_running = Gauge(
            "broadcaster_replays_running",
            "Resume replays reading the stream now.",
            registry=self.registry,
        )
        self.replays_waiting = Gauge(
            "broadcaster_replays_waiting",
            "Resume replays waiting for a free slot (BROADCASTER_MAX_CONCURRENT_REPLAYS).",
            registry=self.registry,
        )
        self.malformed_entries = Counter(
            "broadcaster_malformed_entries",
            "Stream entries skipped by the live feed because they are not events.",
            registry=self.registry,
        )
        self.feed_restarts = Counter(
            "broadcaster_feed_restarts",
            "Times the stream feed failed unexpectedly and was started again.",
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
