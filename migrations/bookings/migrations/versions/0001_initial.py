"""Bookings, their outbox and idempotency keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _tstz(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    # btree_gist lets one exclusion constraint mix `=` on text with `&&` on ranges.
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")

    op.create_table(
        "bookings",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("provider_id", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        _tstz("start_time"),
        _tstz("end_time"),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _tstz("reminder_due_at"),
        _tstz("reminded_at", nullable=True),
        _tstz("created_at"),
        _tstz("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_bookings"),
        sa.CheckConstraint("end_time > start_time", name="ck_bookings_end_after_start"),
        sa.CheckConstraint("status IN ('scheduled', 'cancelled')", name="ck_bookings_known_status"),
        sa.CheckConstraint("char_length(title) BETWEEN 1 AND 200", name="ck_bookings_title_length"),
    )
    # No two scheduled bookings of one provider overlap as [start, end) ranges. `id WITH <>`
    # excludes nothing but makes the error name the id of the booking collided with.
    op.execute("""
        ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (
            provider_id WITH =,
            tstzrange(start_time, end_time, '[)') WITH &&,
            id WITH <>
        ) WHERE (status = 'scheduled')
        """)
    op.create_index(
        "ix_bookings_provider_id_start_time_id", "bookings", ["provider_id", "start_time", "id"]
    )
    op.create_index("ix_bookings_start_time_id", "bookings", ["start_time", "id"])
    op.create_index(
        "ix_bookings_reminder_owed",
        "bookings",
        ["reminder_due_at"],
        postgresql_where=sa.text("status = 'scheduled' AND reminded_at IS NULL"),
    )

    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("event_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("event_type", sa.Text(), nullable=False),
        sa.Column("payload", postgresql.JSONB(), nullable=False),
        _tstz("created_at"),
        _tstz("published_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("event_id", name="uq_outbox_event_id"),
    )
    op.create_index(
        "ix_outbox_unpublished",
        "outbox",
        ["id"],
        postgresql_where=sa.text("published_at IS NULL"),
    )
    # Relays LISTEN on `outbox` and wake at once; one notification per inserting statement.
    op.execute("""
        CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('outbox', '');
            RETURN NULL;
        END
        $$
        """)
    op.execute(
        "CREATE TRIGGER outbox_notify AFTER INSERT ON outbox "
        "FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify()"
    )

    op.create_table(
        "idempotency_keys",
        sa.Column("principal", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.LargeBinary(), nullable=True),
        _tstz("created_at"),
        sa.PrimaryKeyConstraint("principal", "key", name="pk_idempotency_keys"),
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])


def downgrade() -> None:
    op.drop_table("idempotency_keys")
    op.execute("DROP TRIGGER outbox_notify ON outbox")
    op.execute("DROP FUNCTION outbox_notify()")
    op.drop_table("outbox")
    op.drop_table("bookings")
