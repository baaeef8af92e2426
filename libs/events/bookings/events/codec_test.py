from datetime import UTC, datetime, timedelta
from uuid import uuid4

import msgspec
import pytest

from bookings.domain.events import BookingCreated, BookingRescheduled, BookingSnapshot
from bookings.domain.status import BookingStatus
from bookings.events.codec import decode_event, encode_event
from bookings.events.schemas import BookingData, channel_of, to_wire

NOW = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)


def snapshot() -> BookingSnapshot:
    return BookingSnapshot(
        booking_id=uuid4(),
        provider_id="provider-1",
        title="Checkup",
        start_time=NOW + timedelta(hours=1),
        end_time=NOW + timedelta(hours=2),
        status=BookingStatus.SCHEDULED,
        version=3,
        reminder_due_at=NOW + timedelta(minutes=50),
    )


def test_an_event_survives_encoding_and_decoding_unchanged() -> None:
    wire = to_wire(BookingRescheduled(booking=snapshot(), occurred_at=NOW))

    assert decode_event(encode_event(wire)) == wire


def test_the_envelope_carries_id_event_occurred_at_and_booking_data() -> None:
    booking = snapshot()
    wire = to_wire(BookingCreated(booking=booking, occurred_at=NOW))

    envelope = msgspec.json.decode(encode_event(wire))

    assert set(envelope) == {"id", "eventId", "event", "occurredAt", "data"}
    assert envelope["eventId"] == envelope["id"]
    assert envelope["event"] == "booking.created" == channel_of(wire)
    data = envelope["data"]
    assert data["bookingId"] == data["id"] == str(booking.booking_id)
    assert data["providerId"] == "provider-1"
    assert data["startTime"] == "2030-01-01T10:00:00Z"
    assert data["status"] == "scheduled"
    assert data["reminderDueAt"] == "2030-01-01T09:50:00Z"


class _OlderBookingData(msgspec.Struct, rename="camel", kw_only=True):
    """The booking data as a first version of the schema had it."""

    booking_id: str
    title: str


class _OlderCreated(
    msgspec.Struct, rename="camel", kw_only=True, tag_field="event", tag="booking.created"
):
    id: str
    occurred_at: datetime
    data: _OlderBookingData


def test_a_decoder_built_from_an_older_schema_reads_newer_events() -> None:
    wire = to_wire(BookingCreated(booking=snapshot(), occurred_at=NOW))
    raw = encode_event(wire)
    # A newer writer adds a field that no reader knows yet.
    newer = raw.replace(b'"data":{', b'"data":{"colour":"blue",', 1)

    older = msgspec.json.decode(newer, type=_OlderCreated)

    assert older.data.booking_id == str(wire.data.booking_id)
    assert older.data.title == "Checkup"
    assert decode_event(newer) == wire  # today's decoder ignores the unknown field too


def test_an_event_written_before_optional_fields_existed_still_decodes() -> None:
    wire = to_wire(BookingCreated(booking=snapshot(), occurred_at=NOW))
    envelope = msgspec.json.decode(encode_event(wire))
    del envelope["data"]["version"], envelope["data"]["reminderDueAt"]

    decoded = decode_event(msgspec.json.encode(envelope))

    assert isinstance(decoded.data, BookingData)
    assert decoded.data.version is None
    assert decoded.data.reminder_due_at is None


def test_an_unknown_event_type_is_refused() -> None:
    with pytest.raises(msgspec.ValidationError):
        decode_event(b'{"event":"booking.exploded","id":"x","occurredAt":"x","data":{}}')
