"""A folder for prometheus_client's multiprocess mode, for a process that starts others.

prometheus_client decides once, when it is imported, whether metric values live in memory or
in files of the folder named by PROMETHEUS_MULTIPROC_DIR. So the variable must be set before
anything imports prometheus_client: a service's entry point enters `multiprocess_metrics`
first and imports its metric-making code inside the block.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

MULTIPROC_DIR_VAR = "PROMETHEUS_MULTIPROC_DIR"


@contextmanager
def multiprocess_metrics(service: str) -> Iterator[str]:
    """Yields the folder: the operator's, if the variable is set, else a temporary one that
    this block creates, names in the environment and removes at its end."""
    given = os.environ.get(MULTIPROC_DIR_VAR)
    if given:
        yield given
        return
    folder = tempfile.mkdtemp(prefix=f"bookings-{service}-metrics-")
    os.environ[MULTIPROC_DIR_VAR] = folder
    try:
        yield folder
    finally:
        del os.environ[MULTIPROC_DIR_VAR]
        shutil.rmtree(folder, ignore_errors=True)
