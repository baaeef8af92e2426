"""Providers' working hours (for free slots) and their secret calendar feed tokens.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _tstz(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "provider_schedules",
        sa.Column("provider_id", sa.Text(), nullable=False),
        sa.Column("time_zone", sa.Text(), nullable=False),
        sa.Column("weekly", postgresql.JSONB(), nullable=False),
        sa.Column("overrides", postgresql.JSONB(), nullable=False),
        sa.Column("buffer_minutes", sa.Integer(), nullable=False),
        sa.Column("minimum_notice_minutes", sa.Integer(), nullable=False),
        _tstz("created_at"),
        _tstz("updated_at"),
        sa.PrimaryKeyConstraint("provider_id", name="pk_provider_schedules"),
        sa.CheckConstraint(
            "char_length(time_zone) BETWEEN 1 AND 100",
            name="ck_provider_schedules_time_zone_length",
        ),
        sa.CheckConstraint(
            "buffer_minutes BETWEEN 0 AND 240", name="ck_provider_schedules_buffer_range"
        ),
        sa.CheckConstraint(
            "minimum_notice_minutes BETWEEN 0 AND 525600",
            name="ck_provider_schedules_notice_range",
        ),
    )
    op.create_table(
        "calendar_feeds",
        sa.Column("provider_id", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(), nullable=False),
        _tstz("created_at"),
        sa.PrimaryKeyConstraint("provider_id", name="pk_calendar_feeds"),
        sa.UniqueConstraint("token_hash", name="uq_calendar_feeds_token_hash"),
    )


def downgrade() -> None:
    op.drop_table("calendar_feeds")
    op.drop_table("provider_schedules")
