"""Database errors that mean a broken booking rule, turned into domain errors."""

from __future__ import annotations

import re
from uuid import UUID

from psycopg.errors import ExclusionViolation

from bookings.domain.errors import BookingConflict

# The exclusion constraint ends with `id WITH <>`, so PostgreSQL's detail ends with the id of
# the booking that was collided with: "... conflicts with existing key (..., <uuid>)."
_EXISTING_ID = re.compile(r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\)\.?$")


def as_domain_error(error: BaseException | None) -> BookingConflict | None:
    """The domain error a driver error stands for, or None if it is not a booking rule."""
    return conflict_of(error) if isinstance(error, ExclusionViolation) else None


def conflict_of(error: ExclusionViolation) -> BookingConflict:
    """Two scheduled bookings of one provider would overlap: which one was in the way."""
    match = _EXISTING_ID.search(error.diag.message_detail or "")
    return BookingConflict(UUID(match.group(1)) if match else None)
