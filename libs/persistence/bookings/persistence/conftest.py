from collections.abc import Callable

import pytest

from bookings.migrations.config import upgrade

pytest_plugins = ["bookings.testing.pytest_plugin"]


@pytest.fixture(scope="session")
def prepare_database_template() -> Callable[[str], None]:
    """Every test database starts from the migrated schema."""
    return upgrade
