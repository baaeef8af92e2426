"""subject_problem: which principal ids every service can store and key on."""

from __future__ import annotations

import pytest

from bookings.auth.subjects import MAX_SUBJECT_LENGTH, subject_problem


@pytest.mark.parametrize("sub", ["p-1", "é" * MAX_SUBJECT_LENGTH, "provider 7", "😀"])
def test_a_short_printable_id_is_fine(sub: str) -> None:
    assert subject_problem(sub) is None


@pytest.mark.parametrize(
    ("sub", "problem"),
    [
        ("", "non-empty string"),
        (" \t", "non-empty string"),
        (42, "non-empty string"),
        ("x" * (MAX_SUBJECT_LENGTH + 1), f"at most {MAX_SUBJECT_LENGTH} characters"),
        ("p\x001", "NUL"),
        ("p\ud800", "lone surrogates"),
        ("\udc00", "lone surrogates"),
    ],
)
def test_an_id_that_storage_or_keys_cannot_hold_is_named_as_such(sub: object, problem: str) -> None:
    found = subject_problem(sub)

    assert found is not None
    assert problem in found
