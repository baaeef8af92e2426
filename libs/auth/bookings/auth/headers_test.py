"""bearer_token: the token out of an Authorization header, or a typed AuthError."""

from __future__ import annotations

import pytest

from bookings.auth.errors import AuthError, InvalidToken, MissingToken
from bookings.auth.headers import bearer_token


@pytest.mark.parametrize(
    "header",
    ["Bearer abc.def.ghi", "bearer abc.def.ghi", "BEARER abc.def.ghi", "  Bearer   abc.def.ghi  "],
)
def test_the_token_is_read_whatever_the_scheme_case_and_surrounding_spaces(header: str) -> None:
    assert bearer_token(header) == "abc.def.ghi"


@pytest.mark.parametrize("header", [None, "", "   "])
def test_no_header_or_a_blank_one_is_a_missing_token(header: str | None) -> None:
    with pytest.raises(MissingToken) as caught:
        bearer_token(header)
    assert isinstance(caught.value, AuthError)
    assert not isinstance(caught.value, InvalidToken)


@pytest.mark.parametrize(
    "header",
    ["Basic c2VjcmV0LXRva2Vu", "Token secret-token", "Bearersecret-token", "secret-token"],
)
def test_another_scheme_is_an_invalid_token_whose_message_hides_the_credentials(
    header: str,
) -> None:
    with pytest.raises(InvalidToken, match="Bearer scheme") as caught:
        bearer_token(header)
    assert "secret-token" not in str(caught.value)
    assert "c2VjcmV0LXRva2Vu" not in str(caught.value)


@pytest.mark.parametrize("header", ["Bearer", "bearer   ", "Bearer secret-token extra"])
def test_a_bearer_header_without_exactly_one_token_is_invalid(header: str) -> None:
    with pytest.raises(InvalidToken, match="Bearer <token>") as caught:
        bearer_token(header)
    assert "secret-token" not in str(caught.value)
