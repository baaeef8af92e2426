"""Running the packaged service binaries as real processes, the way an operator would."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bookings.servers import processes

# Where `./pants package` writes each binary (and where Pants puts them in a test's sandbox).
API_PEX = Path("services.api/api.pex")
BROADCASTER_PEX = Path("services.broadcaster/broadcaster.pex")
WORKER_PEX = Path("services.worker/worker.pex")
MIGRATE_PEX = Path("migrations/migrate.pex")


@dataclass
class Binary:
    """One running binary; its output goes to a log file, shown when a test fails."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @classmethod
    def start(
        cls, pex: Path, env: Mapping[str, str], log_dir: Path, *args: str, name: str = ""
    ) -> Binary:
        name = name or pex.stem
        log_path = log_dir / f"{name}.log"
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, str(pex), *args],
                env={**os.environ, **env},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return cls(name=name, process=process, log_path=log_path)

    def stop(self) -> None:
        processes.stop_process(self.process)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


def run_to_completion(
    pex: Path, env: Mapping[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(pex), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def wait_until_ok(url: str, binary: Binary, *, timeout: float = 60.0) -> None:
    try:
        processes.wait_until_ok(url, binary.process, timeout=timeout)
    except processes.NotReady as error:
        raise AssertionError(f"{binary.name}: {error}\n{binary.log()}") from None
