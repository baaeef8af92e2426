"""Booking events on the wire: schemas, Redis publishing and subscribing, reminder schedules."""
