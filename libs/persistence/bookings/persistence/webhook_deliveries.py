"""What the statements on webhook deliveries share: the statuses, and the constants and parameter
types they write into their SQL.

A delivery is pending until an attempt delivers it or it fails. The sender's statements are in
`delivery_claims`, `delivery_outcomes` and `delivery_backlog`, the API's in
`endpoint_deliveries`, the sweep of finished ones in `retention`.
"""

from __future__ import annotations

from sqlalchemy import literal_column
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.sql.elements import ColumnClause

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"

UUID_ARRAY = ARRAY(PgUUID(as_uuid=True))
# Constants are written into the SQL (a bound value would need a parameter on every call).
PENDING_SQL: ColumnClause[str] = literal_column(f"'{PENDING}'")
DELIVERED_SQL: ColumnClause[str] = literal_column(f"'{DELIVERED}'")
FAILED_SQL: ColumnClause[str] = literal_column(f"'{FAILED}'")
ZERO_SQL: ColumnClause[int] = literal_column("0")
ONE_SQL: ColumnClause[int] = literal_column("1")
