"""Starting the server process: a bad setting is one line on stderr and exit status 2."""

from __future__ import annotations

import pytest

from bookings.api.main import serve
from bookings.runtime.entrypoint import EXIT_BAD_CONFIG, run


@pytest.mark.parametrize(
    ("variable", "value"), [("PORT", "eighty"), ("RATE_LIMIT_WRITES_PER_MINUTE", "-1")]
)
def test_a_bad_setting_stops_the_server_with_one_line(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variable: str,
    value: str,
) -> None:
    monkeypatch.setenv(variable, value)
    assert run("api", serve) == EXIT_BAD_CONFIG
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"api: invalid configuration: {variable}:")


def test_production_without_a_secret_does_not_start(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("JWT_SECRET", raising=False)
    assert run("api", serve) == EXIT_BAD_CONFIG
    assert "JWT_SECRET" in capsys.readouterr().err
