"""The multiprocess metrics folder: made, named and removed by the block, or the operator's."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bookings.runtime.metrics_folder import MULTIPROC_DIR_VAR, multiprocess_metrics


def test_the_block_names_a_folder_of_its_own_and_removes_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(MULTIPROC_DIR_VAR, raising=False)

    with multiprocess_metrics("worker") as folder:
        assert os.environ[MULTIPROC_DIR_VAR] == folder
        assert Path(folder).is_dir()
        (Path(folder) / "counter_1.db").write_bytes(b"samples")

    assert MULTIPROC_DIR_VAR not in os.environ
    assert not Path(folder).exists()


def test_a_folder_the_operator_names_is_used_and_kept(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(MULTIPROC_DIR_VAR, str(tmp_path))

    with multiprocess_metrics("api") as folder:
        assert folder == str(tmp_path)

    assert os.environ[MULTIPROC_DIR_VAR] == str(tmp_path)
    assert tmp_path.is_dir()
