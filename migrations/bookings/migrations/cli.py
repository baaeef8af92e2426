"""`migrate.pex [ALEMBIC ARGS]`: `upgrade head` by default, any alembic command otherwise."""

from __future__ import annotations

import sys

from alembic.config import CommandLine
from sqlalchemy.exc import OperationalError

from bookings.migrations.config import alembic_config
from bookings.runtime.env import ConfigError


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    command_line = CommandLine(prog="migrate")
    options = command_line.parser.parse_args(args or ["upgrade", "head"])
    try:
        command_line.run_cmd(alembic_config(), options)
    except ConfigError as error:
        sys.stderr.write(f"migrate: {error.variable} is invalid: {error.problem}\n")
        return 2
    except OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        sys.stderr.write(f"migrate: cannot reach the database at DATABASE_URL: {reason}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
