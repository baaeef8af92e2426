"""Booking events on the wire: their format and encoding, Redis publishing and the stream."""
