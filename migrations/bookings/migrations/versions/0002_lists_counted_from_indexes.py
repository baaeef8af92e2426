"""The cross-provider list index also holds `provider_id`, so a list's count is read from an
index alone whichever index PostgreSQL walks.

For a provider that holds most of the table, PostgreSQL may walk `(start_time, id)` and filter
on `provider_id`; without the column in the index, every entry it counts costs a heap fetch.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_bookings_start_time_id", table_name="bookings")
    op.create_index(
        "ix_bookings_start_time_id",
        "bookings",
        ["start_time", "id"],
        postgresql_include=["provider_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_bookings_start_time_id", table_name="bookings")
    op.create_index("ix_bookings_start_time_id", "bookings", ["start_time", "id"])
