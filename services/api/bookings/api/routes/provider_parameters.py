"""The `providerId` parameters: a provider's id is a token's `sub`, so it follows the subject
rules of bookings.auth.subjects (at most MAX_SUBJECT_LENGTH characters, no NUL)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar.params import Parameter, QueryParameter

from bookings.api.schemas import NO_NUL
from bookings.auth.subjects import MAX_SUBJECT_LENGTH

ProviderId = Annotated[
    str,
    Parameter(
        max_length=MAX_SUBJECT_LENGTH, pattern=NO_NUL, description="The provider's id (`sub`)."
    ),
]


def provider_filter(description: str) -> Any:
    """The optional `providerId` query parameter by which an admin picks one provider."""
    return QueryParameter(
        name="providerId",
        required=False,
        max_length=MAX_SUBJECT_LENGTH,
        pattern=NO_NUL,
        description=description,
    )
