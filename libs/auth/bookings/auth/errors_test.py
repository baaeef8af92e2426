"""The error types: their hierarchy and their safe, human messages."""

from __future__ import annotations

import pytest

from bookings.auth.errors import AuthError, ExpiredToken, InvalidToken, MissingToken


def test_an_expired_token_is_an_invalid_token_and_every_error_is_an_auth_error() -> None:
    assert issubclass(ExpiredToken, InvalidToken)
    assert issubclass(InvalidToken, AuthError)
    assert issubclass(MissingToken, AuthError)
    assert not issubclass(MissingToken, InvalidToken)


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (AuthError(), "Authentication failed"),
        (MissingToken(), "Missing bearer token"),
        (InvalidToken(), "Invalid token"),
        (ExpiredToken(), "Expired token"),
        (InvalidToken("wrong issuer"), "Invalid token: wrong issuer"),
    ],
)
def test_the_message_is_the_summary_followed_by_the_reason_when_given(
    error: AuthError, message: str
) -> None:
    assert str(error) == message
    assert error.message == message


def test_the_reason_is_kept_for_callers_that_shape_their_own_response() -> None:
    assert InvalidToken("wrong audience").reason == "wrong audience"
    assert InvalidToken().reason is None
