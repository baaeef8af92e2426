import psycopg
import pytest
from psycopg import errors

from bookings.testing.postgres import throwaway_postgres


def test_database_has_btree_gist_for_exclusion_constraints(postgres_url: str) -> None:
    with psycopg.connect(postgres_url) as conn:
        conn.execute("""
            CREATE TABLE slots (
                room int NOT NULL,
                during tstzrange NOT NULL,
                EXCLUDE USING gist (room WITH =, during WITH &&)
            )
            """)
        conn.execute("INSERT INTO slots VALUES (1, '[2030-01-01 10:00Z, 2030-01-01 11:00Z)')")
        # Back-to-back and other rooms do not collide.
        conn.execute("INSERT INTO slots VALUES (1, '[2030-01-01 11:00Z, 2030-01-01 12:00Z)')")
        conn.execute("INSERT INTO slots VALUES (2, '[2030-01-01 10:00Z, 2030-01-01 11:00Z)')")
        with pytest.raises(errors.ExclusionViolation):
            conn.execute("INSERT INTO slots VALUES (1, '[2030-01-01 10:30Z, 2030-01-01 10:45Z)')")


def test_database_belongs_to_this_module_alone(postgres_url: str) -> None:
    with psycopg.connect(postgres_url) as conn:
        name = conn.execute("SELECT current_database()").fetchone()
        tables = conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'slots'"
        ).fetchone()
    assert name is not None
    assert name[0].startswith("bookings_test_")
    assert tables == (0,)


def test_throwaway_server_is_stopped_and_deleted_on_exit() -> None:
    with throwaway_postgres() as server:
        with psycopg.connect(server.admin_url) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        assert server.process.poll() is None
    assert server.process.poll() is not None
    assert not server.root.exists()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(server.admin_url, connect_timeout=2)
