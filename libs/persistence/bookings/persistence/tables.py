"""The schema. PostgreSQL itself guarantees the booking rules that races could break:
no two scheduled bookings of one provider overlap, and every booking ends after it starts.

Migrations (migrations/) create exactly this; a test compares the two.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    func,
    literal,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID, ExcludeConstraint

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "pk": "pk_%(table_name)s",
    }
)

BOOKING_STATUSES = ("scheduled", "cancelled")


def _tstz(name: str, *, nullable: bool = False) -> Column[object]:
    return Column(name, DateTime(timezone=True), nullable=nullable)


bookings = Table(
    "bookings",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("provider_id", Text, nullable=False),
    Column("title", Text, nullable=False),
    _tstz("start_time"),
    _tstz("end_time"),
    Column("status", Text, nullable=False),
    Column("version", Integer, nullable=False),
    _tstz("reminder_due_at"),
    _tstz("reminded_at", nullable=True),
    _tstz("created_at"),
    _tstz("updated_at"),
    CheckConstraint("end_time > start_time", name="end_after_start"),
    CheckConstraint(
        "status IN (" + ", ".join(f"'{s}'" for s in BOOKING_STATUSES) + ")", name="known_status"
    ),
    CheckConstraint("char_length(title) BETWEEN 1 AND 200", name="title_length"),
    # Lists: one provider's bookings by time, with a stable tie-break on id.
    Index(None, "provider_id", "start_time", "id"),
    # Lists across every provider (admin). `provider_id` is carried along so that a count
    # walked over this index never fetches rows (a provider that holds most of the table may
    # be counted this way).
    Index(None, "start_time", "id", postgresql_include=["provider_id"]),
    # The reconciler: scheduled bookings whose reminder is still owed.
    Index(
        "ix_bookings_reminder_owed",
        "reminder_due_at",
        postgresql_where=text("status = 'scheduled' AND reminded_at IS NULL"),
    ),
)

# `id WITH <>` never excludes anything by itself (a row never collides with itself), but it
# makes PostgreSQL name the id of the booking that was collided with in the error detail.
bookings.append_constraint(
    ExcludeConstraint(
        (bookings.c.provider_id, "="),
        (func.tstzrange(bookings.c.start_time, bookings.c.end_time, literal("[)")), "&&"),
        (bookings.c.id, "<>"),
        name="bookings_no_overlap",
        using="gist",
        where=text("status = 'scheduled'"),
    )
)

outbox = Table(
    "outbox",
    metadata,
    # Publication order; bigserial never repeats, so it doubles as a cursor.
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("event_id", UUID(as_uuid=True), nullable=False, unique=True),
    Column("event_type", Text, nullable=False),
    # The booking as the change left it: what the relay routes and plans reminders by, so it
    # never decodes `data`. `reminder_due_at` is NULL only in rows older than these columns.
    Column("booking_id", UUID(as_uuid=True), nullable=False),
    Column("provider_id", Text, nullable=False),
    Column("version", Integer, nullable=False),
    _tstz("reminder_due_at", nullable=True),
    # The event's data JSON, encoded once when the change commits and published as these bytes.
    Column("data", LargeBinary, nullable=False),
    # When the event occurred (its change committed).
    _tstz("created_at"),
    _tstz("published_at", nullable=True),
    Index("ix_outbox_unpublished", "id", postgresql_where=text("published_at IS NULL")),
    # Retention finds the rows published before its cutoff without reading the others.
    Index(
        "ix_outbox_published_at",
        "published_at",
        postgresql_where=text("published_at IS NOT NULL"),
    ),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("principal", Text, primary_key=True),
    Column("key", Text, primary_key=True),
    # Hash of the request (method, path, body): a reused key with another request is refused.
    Column("fingerprint", Text, nullable=False),
    # NULL while the first request is in flight.
    Column("status_code", Integer, nullable=True),
    Column("response_body", LargeBinary, nullable=True),
    _tstz("created_at"),
    Index(None, "created_at"),
)

WEBHOOK_DELIVERY_STATUSES = ("pending", "delivered", "failed")

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    # The subject that created it: only it (and admins) see and change it.
    Column("owner", Text, nullable=False),
    # Whose bookings' events it receives; NULL: every provider's (an admin's endpoint).
    Column("provider_id", Text, nullable=True),
    Column("url", Text, nullable=False),
    Column("events", ARRAY(Text), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("secret", Text, nullable=False),
    # The secret before the last rotation signs too, until it expires.
    Column("previous_secret", Text, nullable=True),
    _tstz("previous_secret_expires_at", nullable=True),
    _tstz("created_at"),
    _tstz("updated_at"),
    CheckConstraint("char_length(url) BETWEEN 1 AND 2000", name="url_length"),
    Index(None, "owner", "created_at"),
    # Fan-out: the enabled endpoints of one provider (or of all).
    Index("ix_webhook_endpoints_enabled", "provider_id", postgresql_where=text("enabled")),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column(
        "endpoint_id",
        UUID(as_uuid=True),
        ForeignKey(
            "webhook_endpoints.id", ondelete="CASCADE", name="fk_webhook_deliveries_endpoint"
        ),
        nullable=False,
    ),
    # The event, copied from its outbox row (which is deleted long before the last retry).
    Column("event_id", UUID(as_uuid=True), nullable=False),
    Column("event_type", Text, nullable=False),
    Column("data", LargeBinary, nullable=False),
    _tstz("occurred_at"),
    Column("status", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    # When the next attempt may start; NULL once delivered or failed. While an attempt runs it
    # holds the attempt's lease: a sender killed mid-attempt leaves it due again when it ends.
    _tstz("next_attempt_at", nullable=True),
    Column("last_status_code", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    _tstz("delivered_at", nullable=True),
    _tstz("created_at"),
    _tstz("updated_at"),
    CheckConstraint(
        "status IN (" + ", ".join(f"'{s}'" for s in WEBHOOK_DELIVERY_STATUSES) + ")",
        name="known_status",
    ),
    CheckConstraint(
        "(status = 'pending') = (next_attempt_at IS NOT NULL)", name="due_while_pending"
    ),
    # One delivery per event and endpoint, however often the fan-out runs.
    UniqueConstraint("endpoint_id", "event_id"),
    # Retention: finished deliveries by when they finished.
    Index(
        "ix_webhook_deliveries_finished",
        "updated_at",
        postgresql_where=text("status <> 'pending'"),
    ),
    # The sender's claims: each endpoint's pending deliveries by due time (see
    # `delivery_claims`), so a claim never reads through a stuck endpoint's backlog.
    Index(
        "ix_webhook_deliveries_pending_by_endpoint",
        "endpoint_id",
        "next_attempt_at",
        postgresql_where=text("status = 'pending'"),
    ),
    # An endpoint's deliveries, newest first.
    Index(None, "endpoint_id", "created_at", "id"),
)

provider_schedules = Table(
    "provider_schedules",
    metadata,
    Column("provider_id", Text, primary_key=True),
    Column("time_zone", Text, nullable=False),
    # The hours as the API takes and shows them (wall-clock "HH:MM" strings by weekday, and
    # overrides by local date), checked before they are stored.
    Column("weekly", JSONB, nullable=False),
    Column("overrides", JSONB, nullable=False),
    Column("buffer_minutes", Integer, nullable=False),
    Column("minimum_notice_minutes", Integer, nullable=False),
    _tstz("created_at"),
    _tstz("updated_at"),
    CheckConstraint("char_length(time_zone) BETWEEN 1 AND 100", name="time_zone_length"),
    CheckConstraint("buffer_minutes BETWEEN 0 AND 240", name="buffer_range"),
    CheckConstraint("minimum_notice_minutes BETWEEN 0 AND 525600", name="notice_range"),
)

calendar_feeds = Table(
    "calendar_feeds",
    metadata,
    Column("provider_id", Text, primary_key=True),
    # SHA-256 of the feed's secret token: the token itself is shown once and never stored,
    # so the table does not hand out anyone's calendar.
    Column("token_hash", LargeBinary, nullable=False, unique=True),
    _tstz("created_at"),
)
