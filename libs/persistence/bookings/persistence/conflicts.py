"""Database errors that mean a broken booking rule, turned into domain errors."""

from __future__ import annotations

import re
from uuid import UUID

from sqlalchemy.exc import IntegrityError

from bookings.domain.errors import BookingConflict

EXCLUSION_VIOLATION = "23P01"
# The exclusion constraint ends with `id WITH <>`, so PostgreSQL's detail ends with the id of
# the booking that was collided with: "... conflicts with existing key (..., <uuid>)."
_EXISTING_ID = re.compile(r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\)\.?$")


def as_domain_error(error: IntegrityError) -> BookingConflict | None:
    """The domain error `error` stands for, or None if it is not a booking rule."""
    if getattr(error.orig, "sqlstate", None) != EXCLUSION_VIOLATION:
        return None
    diag = getattr(error.orig, "diag", None)
    detail = getattr(diag, "message_detail", None) or ""
    match = _EXISTING_ID.search(detail)
    return BookingConflict(UUID(match.group(1)) if match else None)
