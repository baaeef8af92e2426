import pytest
import redis

from bookings.servers.redis import throwaway_redis


def test_publish_reaches_a_subscriber() -> None:
    with throwaway_redis() as server:
        client = redis.Redis.from_url(server.url)
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


def test_throwaway_server_is_stopped_and_deleted_on_exit() -> None:
    with throwaway_redis() as server:
        assert redis.Redis.from_url(server.url).ping()
    assert server.process.poll() is not None
    assert not server.root.exists()
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(server.url, socket_connect_timeout=1).ping()
