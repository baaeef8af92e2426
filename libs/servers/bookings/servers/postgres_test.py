import psycopg
import pytest

from bookings.servers.postgres import throwaway_postgres


def test_throwaway_server_is_stopped_and_deleted_on_exit() -> None:
    with throwaway_postgres() as server:
        with psycopg.connect(server.admin_url) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        assert server.process.poll() is None
    assert server.process.poll() is not None
    assert not server.root.exists()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(server.admin_url, connect_timeout=2)
