from pathlib import Path

import psycopg
import pytest

from bookings.servers import postgres
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


def test_throwaway_clusters_go_to_memory_only_when_it_has_room(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(postgres, "_MEMORY_DIR", tmp_path)
    monkeypatch.setattr(postgres, "_MEMORY_DIR_MIN_FREE_BYTES", 1)
    assert postgres._throwaway_parent() == tmp_path

    monkeypatch.setattr(postgres, "_MEMORY_DIR_MIN_FREE_BYTES", 1 << 62)
    assert postgres._throwaway_parent() is None

    monkeypatch.setattr(postgres, "_MEMORY_DIR", tmp_path / "absent")
    monkeypatch.setattr(postgres, "_MEMORY_DIR_MIN_FREE_BYTES", 1)
    assert postgres._throwaway_parent() is None
