"""The isolation the fixtures promise, within a module and between modules of one process."""

import psycopg
import pytest
import redis
from psycopg import errors

CONFTEST = 'pytest_plugins = ["bookings.testing.pytest_plugin"]\n'
MIGRATING_CONFTEST = CONFTEST + """
import psycopg
import pytest


def create_marker_table(url):
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE marker ()")


@pytest.fixture(scope="session")
def prepare_database_template():
    return create_marker_table
"""
TABLES_TEST = """
import psycopg


def test_tables(postgres_url):
    with psycopg.connect(postgres_url) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        assert [name for (name,) in rows] == {expected!r}
"""


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


@pytest.mark.parametrize("key", ["first", "second"])
def test_each_test_starts_with_an_empty_redis_database(redis_url: str, key: str) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.dbsize() == 0
        client.set(key, "left behind")
    finally:
        client.close()


def test_modules_of_one_process_get_the_template_of_their_own_directory(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, postgres_server_url: str
) -> None:
    pytester.makepyfile(
        **{
            "migrated/conftest": MIGRATING_CONFTEST,
            "migrated/migrated_test": TABLES_TEST.format(expected=["marker"]),
            "plain/conftest": CONFTEST,
            "plain/plain_test": TABLES_TEST.format(expected=[]),
        }
    )
    monkeypatch.setenv("TEST_DATABASE_URL", postgres_server_url)
    # One process, as Pants runs a batch: each file named, so each conftest.py is a top-level one.
    files = ["migrated/migrated_test.py", "plain/plain_test.py"]
    result = pytester.runpytest_inprocess("-p", "no:asyncio", *files)  # the tests are synchronous
    result.assert_outcomes(passed=2)
