"""The broadcaster's settings: the common ones plus where it listens and how it treats clients."""

from __future__ import annotations

from dataclasses import dataclass

from bookings.auth import TokenSettings
from bookings.auth.settings import token_settings
from bookings.runtime.env import Env
from bookings.runtime.settings import CommonSettings

DEFAULT_PORT = 3001


@dataclass(frozen=True)
class BroadcasterSettings:
    common: CommonSettings
    host: str
    port: int
    # A client that sends no token on the handshake must send its auth message within this time.
    auth_timeout_s: float
    ping_interval_s: float
    ping_timeout_s: float
    close_timeout_s: float
    # A client whose unsent frames stay above `max_buffer_bytes` for `slow_client_grace_s` is
    # closed (1013); one reaching `4 * max_buffer_bytes` is closed at once.
    max_buffer_bytes: int
    slow_client_grace_s: float
    # Live events held for a client while it replays what it missed; beyond this it is closed.
    max_pending_events: int
    stream_block_ms: int
    stream_batch: int
    # WebSocket connections open at once (authenticated or not); the next handshake gets 503.
    max_connections: int
    # Connections of one `sub` at once; the next one is closed with 4429 once it authenticates.
    max_connections_per_subject: int
    # Resume replays reading the stream at once; the others wait their turn (see server.py).
    max_concurrent_replays: int
    tokens: TokenSettings

    @classmethod
    def from_env(cls, env: Env) -> BroadcasterSettings:
        common = CommonSettings.from_env(env)
        return cls(
            common=common,
            host=env.get("HOST", "127.0.0.1"),
            port=env.integer("PORT", DEFAULT_PORT, maximum=65535),
            auth_timeout_s=env.number("BROADCASTER_AUTH_TIMEOUT_SECONDS", 5.0, minimum=0.1),
            ping_interval_s=env.number("BROADCASTER_PING_INTERVAL_SECONDS", 20.0, minimum=0.1),
            ping_timeout_s=env.number("BROADCASTER_PING_TIMEOUT_SECONDS", 20.0, minimum=0.1),
            close_timeout_s=env.number("BROADCASTER_CLOSE_TIMEOUT_SECONDS", 5.0, minimum=0.1),
            max_buffer_bytes=env.integer("BROADCASTER_MAX_BUFFER_BYTES", 1024 * 1024, minimum=4096),
            slow_client_grace_s=env.number("BROADCASTER_SLOW_CLIENT_GRACE_SECONDS", 5.0),
            max_pending_events=env.integer("BROADCASTER_MAX_PENDING_EVENTS", 10_000, minimum=1),
            stream_block_ms=env.integer("BROADCASTER_STREAM_BLOCK_MS", 2000, minimum=1),
            stream_batch=env.integer("BROADCASTER_STREAM_BATCH", 500, minimum=1),
            max_connections=env.integer("BROADCASTER_MAX_CONNECTIONS", 10_000, minimum=1),
            max_connections_per_subject=env.integer(
                "BROADCASTER_MAX_CONNECTIONS_PER_SUBJECT", 20, minimum=1
            ),
            max_concurrent_replays=env.integer("BROADCASTER_MAX_CONCURRENT_REPLAYS", 32, minimum=1),
            tokens=token_settings(env, production=common.is_production),
        )
