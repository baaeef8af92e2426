import os
from pathlib import Path

import pytest
import redis

from bookings.testing.processes import MissingBinaryError, find_binary
from bookings.testing.redis import throwaway_redis


def test_publish_reaches_a_subscriber(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    pubsub = client.pubsub()
    try:
        pubsub.subscribe("round-trip")
        subscribed = pubsub.get_message(timeout=5)
        assert subscribed is not None
        assert subscribed["type"] == "subscribe"
        assert client.publish("round-trip", b"hello") == 1
        message = pubsub.get_message(timeout=5)
        assert message is not None
        assert message["data"] == b"hello"
    finally:
        pubsub.close()
        client.close()


@pytest.mark.parametrize("key", ["first", "second"])
def test_each_test_starts_with_an_empty_database(redis_url: str, key: str) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.dbsize() == 0
        client.set(key, "left behind")
    finally:
        client.close()


def test_throwaway_server_is_stopped_and_deleted_on_exit() -> None:
    with throwaway_redis() as server:
        assert redis.Redis.from_url(server.url).ping()
    assert server.process.poll() is not None
    assert not server.root.exists()
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(server.url, socket_connect_timeout=1).ping()


def test_missing_binary_names_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", os.fspath(Path("/nonexistent")))
    with pytest.raises(MissingBinaryError, match="apt-get install no-such-package"):
        find_binary("no-such-server", install_hint="apt-get install no-such-package")
