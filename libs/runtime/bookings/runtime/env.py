"""Typed reads of environment variables; a bad value names its variable in one line."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from typing import TypeVar

E = TypeVar("E", bound=str)


class ConfigError(Exception):
    """A setting is missing or wrong; the message names the variable and what is expected."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable
        self.problem = problem


class Env:
    """Reads settings from a mapping (os.environ by default), each with its default."""

    def __init__(self, values: Mapping[str, str] | None = None) -> None:
        self._values = os.environ if values is None else values

    def get(self, name: str, default: str) -> str:
        value = self._values.get(name, "").strip()
        return value or default

    def optional(self, name: str) -> str | None:
        value = self._values.get(name, "").strip()
        return value or None

    def integer(
        self, name: str, default: int, *, minimum: int = 0, maximum: int | None = None
    ) -> int:
        raw = self.optional(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ConfigError(name, f"expected a whole number, got {raw!r}") from None
        if value < minimum or (maximum is not None and value > maximum):
            upper = "" if maximum is None else f" and at most {maximum}"
            raise ConfigError(name, f"expected at least {minimum}{upper}, got {value}")
        return value

    def number(self, name: str, default: float, *, minimum: float = 0.0) -> float:
        raw = self.optional(name)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise ConfigError(name, f"expected a number, got {raw!r}") from None
        if not value >= minimum:  # also refuses NaN
            raise ConfigError(name, f"expected at least {minimum}, got {raw}")
        return value

    def seconds(self, name: str, default: float, *, minimum: float = 0.0) -> timedelta:
        return timedelta(seconds=self.number(name, default, minimum=minimum))

    def choice(self, name: str, default: E, choices: tuple[E, ...]) -> E:
        raw = self.get(name, default)
        for choice in choices:
            if raw.lower() == choice.lower():
                return choice
        raise ConfigError(name, f"expected one of {', '.join(choices)}, got {raw!r}")

    def flag(self, name: str, default: bool) -> bool:
        raw = self.optional(name)
        if raw is None:
            return default
        if raw.lower() in {"1", "true", "yes", "on"}:
            return True
        if raw.lower() in {"0", "false", "no", "off"}:
            return False
        raise ConfigError(name, f"expected true or false, got {raw!r}")
