"""Webhook endpoints and their deliveries.

A delivery due now (just fanned out from the outbox, or retried by hand) notifies channel
`webhook_deliveries`, so the sender wakes at once; PostgreSQL folds the notifications of one
transaction into one.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _tstz(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("provider_id", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("events", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("previous_secret", sa.Text(), nullable=True),
        _tstz("previous_secret_expires_at", nullable=True),
        _tstz("created_at"),
        _tstz("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_endpoints"),
        sa.CheckConstraint(
            "char_length(url) BETWEEN 1 AND 2000", name="ck_webhook_endpoints_url_length"
        ),
    )
    op.create_index(
        "ix_webhook_endpoints_owner_created_at", "webhook_endpoints", ["owner", "created_at"]
    )
    op.create_index(
        "ix_webhook_endpoints_enabled",
        "webhook_endpoints",
        ["provider_id"],
        postgresql_where=sa.text("enabled"),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("endpoint_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("event_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("event_type", sa.Text(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        _tstz("occurred_at"),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _tstz("next_attempt_at", nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        _tstz("delivered_at", nullable=True),
        _tstz("created_at"),
        _tstz("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_deliveries"),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["webhook_endpoints.id"],
            name="fk_webhook_deliveries_endpoint",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "endpoint_id", "event_id", name="uq_webhook_deliveries_endpoint_id_event_id"
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'delivered', 'failed')",
            name="ck_webhook_deliveries_known_status",
        ),
        sa.CheckConstraint(
            "(status = 'pending') = (next_attempt_at IS NOT NULL)",
            name="ck_webhook_deliveries_due_while_pending",
        ),
    )
    # The sender claims endpoint by endpoint, the oldest due deliveries of endpoints that have
    # room for another attempt: however many due deliveries an endpoint at its limit (a slow or
    # dead one) holds, a claim never reads past them.
    op.create_index(
        "ix_webhook_deliveries_pending_by_endpoint",
        "webhook_deliveries",
        ["endpoint_id", "next_attempt_at"],
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "ix_webhook_deliveries_finished",
        "webhook_deliveries",
        ["updated_at"],
        postgresql_where=sa.text("status <> 'pending'"),
    )
    op.create_index(
        "ix_webhook_deliveries_endpoint_id_created_at_id",
        "webhook_deliveries",
        ["endpoint_id", "created_at", "id"],
    )
    op.execute("""
        CREATE FUNCTION webhook_deliveries_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('webhook_deliveries', '');
            RETURN NULL;
        END
        $$
        """)
    op.execute(
        "CREATE TRIGGER webhook_deliveries_notify"
        " AFTER INSERT OR UPDATE OF next_attempt_at ON webhook_deliveries FOR EACH ROW"
        " WHEN (NEW.status = 'pending' AND NEW.next_attempt_at <= now())"
        " EXECUTE FUNCTION webhook_deliveries_notify()"
    )


def downgrade() -> None:
    op.drop_table("webhook_deliveries")
    op.execute("DROP FUNCTION webhook_deliveries_notify()")
    op.drop_table("webhook_endpoints")
