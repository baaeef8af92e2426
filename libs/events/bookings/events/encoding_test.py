from datetime import UTC, datetime, timedelta, timezone
from uuid import uuid4

import msgspec
import pytest

from bookings.domain.events import (
    BookingCancelled,
    BookingCreated,
    BookingEvent,
    BookingRescheduled,
    BookingSnapshot,
    ReminderSent,
)
from bookings.domain.status import BookingStatus
from bookings.events.encoding import encode, envelope, timestamp
from bookings.events.schemas import CHANNELS, BookingData

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


def test_the_data_carries_the_booking_in_utc_and_nothing_of_internal_planning() -> None:
    booking = snapshot()
    encoded = encode(BookingRescheduled(booking=booking, occurred_at=NOW))

    assert msgspec.json.decode(encoded.data) == {
        "bookingId": str(booking.booking_id),
        "id": str(booking.booking_id),
        "providerId": "provider-1",
        "title": "Checkup",
        "startTime": "2030-01-01T10:00:00Z",
        "endTime": "2030-01-01T11:00:00Z",
        "status": "scheduled",
        "version": 3,
    }
    assert msgspec.json.decode(encoded.data, type=BookingData).version == 3


def test_an_encoded_event_keeps_its_id_type_and_time() -> None:
    event = BookingCreated(
        booking=snapshot(), occurred_at=NOW.astimezone(timezone(timedelta(hours=2)))
    )
    encoded = encode(event)
    assert (encoded.event_id, encoded.event_type) == (event.event_id, "booking.created")
    assert encoded.occurred_at == NOW
    assert encoded.occurred_at.tzinfo is UTC


@pytest.mark.parametrize(
    ("event_type", "channel"),
    [
        (BookingCreated, "booking.created"),
        (BookingRescheduled, "booking.rescheduled"),
        (BookingCancelled, "booking.cancelled"),
        (ReminderSent, "booking.reminder"),
    ],
)
def test_every_domain_event_has_its_channel(event_type: type[BookingEvent], channel: str) -> None:
    assert encode(event_type(booking=snapshot(), occurred_at=NOW)).event_type == channel
    assert channel in CHANNELS


def test_the_envelope_wraps_the_data_bytes_as_they_are() -> None:
    data = b'{"providerId": "p",   "z": [1, 2]}'
    raw = envelope(
        event_type="booking.created", event_id="e-1", occurred_at=timestamp(NOW), data=data
    )

    assert msgspec.json.decode(raw) == {
        "id": "e-1",
        "eventId": "e-1",
        "event": "booking.created",
        "occurredAt": "2030-01-01T09:00:00Z",
        "data": {"providerId": "p", "z": [1, 2]},
    }
    assert raw.endswith(b'"data":' + data + b"}")


class _OlderBookingData(msgspec.Struct, rename="camel", kw_only=True):
    """The booking data as a first version of the schema had it."""

    booking_id: str
    title: str


def test_a_decoder_built_from_an_older_schema_reads_newer_data() -> None:
    encoded = encode(BookingCreated(booking=snapshot(), occurred_at=NOW))
    # A newer writer adds a field that no reader knows yet.
    newer = encoded.data.replace(b"{", b'{"colour":"blue",', 1)

    older = msgspec.json.decode(newer, type=_OlderBookingData)

    assert older.title == "Checkup"
    assert msgspec.json.decode(newer, type=BookingData) == msgspec.json.decode(
        encoded.data, type=BookingData
    )


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (NOW, "2030-01-01T09:00:00Z"),
        (NOW.replace(microsecond=120), "2030-01-01T09:00:00.000120Z"),
        (datetime(2030, 1, 1, 11, tzinfo=timezone(timedelta(hours=2))), "2030-01-01T09:00:00Z"),
    ],
)
def test_timestamps_are_utc_with_z(moment: datetime, text: str) -> None:
    assert timestamp(moment) == text
    assert msgspec.json.encode(moment.astimezone(UTC)) == f'"{text}"'.encode()
