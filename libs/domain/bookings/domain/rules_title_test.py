"""The title rule: trimmed, not blank, at most 200 characters after trimming."""

from __future__ import annotations

import pytest

from bookings.domain import rules
from bookings.domain.errors import InvalidBooking, TitleBlank, TitleTooLong


def test_title_is_trimmed() -> None:
    assert rules.clean_title("  Haircut \t\n") == "Haircut"


@pytest.mark.parametrize("title", ["", " ", "\t\n  "])
def test_blank_or_whitespace_only_title_is_rejected(title: str) -> None:
    with pytest.raises(InvalidBooking) as caught:
        rules.clean_title(title)
    [violation] = caught.value.violations
    assert isinstance(violation, TitleBlank)
    assert violation.field == "title"


def test_title_of_exactly_200_characters_is_accepted() -> None:
    title = "x" * rules.MAX_TITLE_LENGTH
    assert rules.clean_title(title) == title


def test_title_of_201_characters_is_rejected() -> None:
    with pytest.raises(InvalidBooking) as caught:
        rules.clean_title("x" * (rules.MAX_TITLE_LENGTH + 1))
    [violation] = caught.value.violations
    assert isinstance(violation, TitleTooLong)
    assert violation.field == "title"


def test_title_length_is_measured_after_trimming() -> None:
    title = "x" * rules.MAX_TITLE_LENGTH
    assert rules.clean_title(f"   {title}   ") == title


def test_title_of_201_characters_between_spaces_is_still_rejected() -> None:
    with pytest.raises(InvalidBooking):
        rules.clean_title(" " + "x" * (rules.MAX_TITLE_LENGTH + 1) + " ")
