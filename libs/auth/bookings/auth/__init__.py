"""Authentication for the bookings platform: HS256 access tokens, principals and roles.

The token settings the services read from env vars are in `bookings.auth.settings`.
"""

from bookings.auth.errors import AuthError, ExpiredToken, InvalidToken, MissingToken
from bookings.auth.headers import bearer_token
from bookings.auth.principal import Principal, Role
from bookings.auth.subjects import MAX_SUBJECT_LENGTH, subject_problem
from bookings.auth.tokens import (
    ALGORITHM,
    MIN_SECRET_BYTES,
    IssuedToken,
    TokenSettings,
    expiry_of,
    issue_token,
    verify_token,
)

__all__ = [
    "ALGORITHM",
    "MAX_SUBJECT_LENGTH",
    "MIN_SECRET_BYTES",
    "AuthError",
    "ExpiredToken",
    "InvalidToken",
    "IssuedToken",
    "MissingToken",
    "Principal",
    "Role",
    "TokenSettings",
    "bearer_token",
    "expiry_of",
    "issue_token",
    "subject_problem",
    "verify_token",
]
