from datetime import timedelta

import pytest

from bookings.runtime.env import ConfigError, Env


def test_missing_or_blank_values_fall_back_to_defaults() -> None:
    env = Env({"BLANK": "  "})
    assert env.get("BLANK", "default") == "default"
    assert env.integer("MISSING", 7) == 7
    assert env.seconds("MISSING", 1.5) == timedelta(seconds=1.5)
    assert env.flag("MISSING", True) is True
    assert env.optional("BLANK") is None


def test_values_are_parsed() -> None:
    env = Env({"N": "12", "F": "0.25", "B": "off", "C": "Json"})
    assert env.integer("N", 0) == 12
    assert env.number("F", 1.0) == 0.25
    assert env.flag("B", True) is False
    assert env.choice("C", "console", ("console", "json")) == "json"


@pytest.mark.parametrize(
    ("values", "read", "expected"),
    [
        ({"PORT": "http"}, lambda env: env.integer("PORT", 1), "PORT: expected a whole number"),
        (
            {"PORT": "70000"},
            lambda env: env.integer("PORT", 1, maximum=65535),
            "PORT: expected at least 0 and at most 65535",
        ),
        ({"LEAD": "-1"}, lambda env: env.seconds("LEAD", 1), "LEAD: expected at least 0.0"),
        ({"LEAD": "nan"}, lambda env: env.seconds("LEAD", 1), "LEAD: expected at least 0.0"),
        ({"ON": "maybe"}, lambda env: env.flag("ON", True), "ON: expected true or false"),
        (
            {"FMT": "xml"},
            lambda env: env.choice("FMT", "json", ("json",)),
            "FMT: expected one of json",
        ),
    ],
)
def test_bad_values_name_their_variable(
    values: dict[str, str], read: object, expected: str
) -> None:
    with pytest.raises(ConfigError) as error:
        read(Env(values))  # type: ignore[operator]
    assert str(error.value).startswith(expected)
