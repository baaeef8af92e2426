"""Alembic migrations of the bookings schema, runnable on their own (`migrate.pex`)."""
