"""The outbox keeps each event's data as the bytes it was encoded to, and the booking columns
the relay routes and plans reminders by, so nothing decodes an event on its way out.

`payload` (the envelope as JSONB, whose text PostgreSQL reorders) becomes `data` (BYTEA: the
envelope's `data`), plus `booking_id`, `provider_id`, `version` and `reminder_due_at`. Existing
rows are filled from their payload; `version` is 0 and `reminder_due_at` NULL where a payload
predates those fields.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_ADDED = (
    ("booking_id", postgresql.UUID(as_uuid=True), "(payload->'data'->>'bookingId')::uuid"),
    ("provider_id", sa.Text(), "payload->'data'->>'providerId'"),
    ("version", sa.Integer(), "COALESCE((payload->'data'->>'version')::integer, 0)"),
    ("data", sa.LargeBinary(), "convert_to((payload->'data')::text, 'UTF8')"),
)


def upgrade() -> None:
    for name, type_, _ in _ADDED:
        op.add_column("outbox", sa.Column(name, type_, nullable=True))
    op.add_column("outbox", sa.Column("reminder_due_at", sa.DateTime(timezone=True)))
    # Fixed expressions of this module, no input: nothing to inject.
    assignments = ", ".join(f"{name} = {value}" for name, _, value in _ADDED)
    op.execute(
        f"UPDATE outbox SET {assignments},"  # noqa: S608
        " reminder_due_at = (payload->'data'->>'reminderDueAt')::timestamptz"
    )
    for name, _, _ in _ADDED:
        op.alter_column("outbox", name, nullable=False)
    op.drop_column("outbox", "payload")


def downgrade() -> None:
    op.add_column("outbox", sa.Column("payload", postgresql.JSONB(), nullable=True))
    op.execute("""
        UPDATE outbox SET payload = jsonb_build_object(
            'id', event_id, 'eventId', event_id, 'event', event_type,
            'occurredAt', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
            'data', convert_from(data, 'UTF8')::jsonb
                || jsonb_build_object('version', version, 'reminderDueAt', reminder_due_at)
        )
        """)
    op.alter_column("outbox", "payload", nullable=False)
    for name in ("data", "reminder_due_at", "version", "provider_id", "booking_id"):
        op.drop_column("outbox", name)
