"""List cursors: opaque, URL-safe tokens naming the (time, id) a page ended at: a booking's
start, or a webhook endpoint's or delivery's creation.

Keyset paging: the next page is what follows that position in the list's order, so pages stay
stable while rows are added or removed, and a far page costs what the first one does.
"""

from __future__ import annotations

import base64
import binascii
import struct
from datetime import UTC, datetime, timedelta
from uuid import UUID

from bookings.domain.commands import ListPosition

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_LAYOUT = struct.Struct(">q16s")  # microseconds since the epoch, the row id's 16 bytes
# What a cursor looks like once encoded (32 characters); the OpenAPI document states it.
CURSOR_PATTERN = "^[A-Za-z0-9_-]{32}$"


class InvalidCursor(ValueError):
    pass


def encode_cursor(position: ListPosition) -> str:
    return encode_position(position.start_time, position.booking_id)


def decode_cursor(cursor: str) -> ListPosition:
    at, row_id = decode_position(cursor)
    return ListPosition(start_time=at, booking_id=row_id)


def encode_position(at: datetime, row_id: UUID) -> str:
    micros = (at - _EPOCH) // timedelta(microseconds=1)
    raw = _LAYOUT.pack(micros, row_id.bytes)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_position(cursor: str) -> tuple[datetime, UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        micros, id_bytes = _LAYOUT.unpack(raw)
        at = _EPOCH + timedelta(microseconds=micros)
    except (binascii.Error, ValueError, struct.error, OverflowError):
        raise InvalidCursor("cursor is not one this API returned") from None
    return at, UUID(bytes=id_bytes)
