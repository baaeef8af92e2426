"""The three services as child processes, their output prefixed with their coloured names."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO

from bookings.servers.processes import answers_ok, stop_process

_COLOURS = {"api": "36", "broadcaster": "35", "worker": "33", "stack": "32"}


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    module: str  # run as `python -m MODULE`
    env: Mapping[str, str] = field(default_factory=dict)
    # Answers 200 once the service is ready; without one, `python -m MODULE health` exits 0 then.
    ready_url: str | None = None


def prefix(name: str) -> str:
    label = f"{name:<11}|"
    use_colour = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    return f"\x1b[{_COLOURS.get(name, '37')}m{label}\x1b[0m" if use_colour else label


def say(line: str) -> None:
    sys.stdout.write(f"{prefix('stack')} {line}\n")
    sys.stdout.flush()


class RunningService:
    """A service process in its own session, so a terminal's Ctrl-C reaches only the stack,
    which then stops the services in order."""

    def __init__(self, spec: ServiceSpec, base_env: Mapping[str, str]) -> None:
        self.name = spec.name
        self._spec = spec
        self._env = {**base_env, **spec.env, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", spec.module],
            env=self._env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        output = self.process.stdout
        if output is None:  # stdout=PIPE guarantees a stream; this narrows the type
            raise RuntimeError("no output stream")
        self._pump = threading.Thread(target=self._relay, args=(output,), daemon=True)
        self._pump.start()

    def _relay(self, stream: IO[bytes]) -> None:
        label = prefix(self.name)
        for raw in stream:
            sys.stdout.write(f"{label} {raw.decode(errors='replace').rstrip()}\n")
            sys.stdout.flush()

    @property
    def exited(self) -> bool:
        return self.process.poll() is not None

    def is_ready(self) -> bool:
        """Asks the service: its ready URL, or else its `health` command."""
        if self._spec.ready_url is not None:
            return answers_ok(self._spec.ready_url)
        health = subprocess.run(
            [sys.executable, "-m", self._spec.module, "health"],
            env=self._env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        return health.returncode == 0

    def stop(self) -> None:
        stop_process(self.process)
        self._pump.join(timeout=5)
