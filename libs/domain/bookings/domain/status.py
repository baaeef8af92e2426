"""A booking's lifecycle states (`completed` is derived from time, not stored)."""

from enum import StrEnum


class BookingStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
