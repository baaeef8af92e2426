"""Starting a service process: a bad setting is one clear line on stderr, not a traceback."""

from __future__ import annotations

import sys
from collections.abc import Callable

from bookings.runtime.env import ConfigError

EXIT_BAD_CONFIG = 2


def run(service: str, main: Callable[[], int | None]) -> int:
    """Runs `main`; a ConfigError becomes `SERVICE: invalid configuration: VAR: problem`."""
    try:
        return main() or 0
    except ConfigError as error:
        sys.stderr.write(f"{service}: invalid configuration: {error}\n")
        return EXIT_BAD_CONFIG
    except KeyboardInterrupt:
        return 0
