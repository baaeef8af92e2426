"""Log lines: one per event, and tracebacks that never show local variables."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator

import pytest
import structlog

from bookings.runtime.logs import configure_logging
from bookings.runtime.settings import LogFormat

SECRET = "hunter2-do-not-log"


def fail_holding_a_secret() -> None:
    password = SECRET
    raise RuntimeError(f"failed after reading {len(password)} characters")


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    yield
    logging.getLogger().handlers.clear()
    structlog.reset_defaults()


@pytest.mark.parametrize(
    ("log_format", "terminal"), [("json", False), ("console", False), ("console", True)]
)
def test_tracebacks_never_show_local_variables(
    log_format: LogFormat,
    terminal: bool,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: terminal)
    configure_logging("INFO", log_format, service="test")
    try:
        fail_holding_a_secret()
    except RuntimeError:
        structlog.get_logger("ours").exception("ours failed")
        logging.getLogger("theirs").exception("theirs failed")
    written = capsys.readouterr().err
    assert written.count("in fail_holding_a_secret") == 2  # both tracebacks are there
    assert SECRET not in written


def test_json_lines_are_one_object_each_with_level_time_and_service(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", "json", service="test")
    structlog.get_logger("ours").info("request", status=200)
    structlog.get_logger("ours").debug("not at INFO")
    [line] = capsys.readouterr().err.splitlines()
    record = json.loads(line)
    assert (record["event"], record["status"], record["level"]) == ("request", 200, "info")
    assert record["service"] == "test"
    assert record["timestamp"].endswith("Z")
