"""Pending webhook deliveries indexed per endpoint, in due order.

The sender claims, endpoint by endpoint, the oldest due deliveries of endpoints that have room
for another attempt: one probe of this index finds the next endpoint with pending deliveries,
another an endpoint's oldest due ones. However many due deliveries an endpoint at its limit (a
slow or dead one) holds, a claim never reads past them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_webhook_deliveries_pending_by_endpoint",
        "webhook_deliveries",
        ["endpoint_id", "next_attempt_at"],
        postgresql_where=sa.text("status = 'pending'"),
    )


def downgrade() -> None:
    op.drop_index("ix_webhook_deliveries_pending_by_endpoint", table_name="webhook_deliveries")
