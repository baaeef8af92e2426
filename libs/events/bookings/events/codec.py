"""Encoding and decoding wire events: one msgspec encoder and one decoder, built once.

The decoder reads any event of the tagged union and ignores fields it does not know, so it keeps
reading events written by newer versions of the schemas.
"""

from __future__ import annotations

from typing import Final

import msgspec

from bookings.events.schemas import Event

_ENCODER: Final = msgspec.json.Encoder()
_DECODER: Final = msgspec.json.Decoder(Event)


def encode_event(event: Event) -> bytes:
    return _ENCODER.encode(event)


def decode_event(raw: bytes | str) -> Event:
    """Raises msgspec.ValidationError (or DecodeError) for anything that is not a known event."""
    event: Event = _DECODER.decode(raw)
    return event
