from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import msgspec
import pytest

from bookings.broadcaster.frames import MalformedEntry, outgoing, resync
from bookings.events.stream import StreamEntry

DATA = b'{"bookingId":"b1","providerId":"prov-a","title":"T","future":{"x":[1,2]}}'
ENTRY = StreamEntry(
    id="1700000000123-4",
    event="booking.created",
    data=DATA,
    event_id="e1",
    occurred_at="2030-01-01T09:00:00Z",
    provider_id="prov-a",
)
# An entry as earlier versions wrote it: the whole envelope in `data`.
ENVELOPE = (
    b'{"id":"e1","event":"booking.created","occurredAt":"2030-01-01T09:00:00Z",'
    b'"data":{"bookingId":"b1","providerId":"prov-a","title":"T","future":{"x":[1,2]}}}'
)
FRAME = {
    "event": "booking.created",
    "id": "1700000000123-4",
    "eventId": "e1",
    "occurredAt": "2030-01-01T09:00:00Z",
    "data": {"bookingId": "b1", "providerId": "prov-a", "title": "T", "future": {"x": [1, 2]}},
}


def test_frame_has_channel_entry_id_time_and_data_passed_through() -> None:
    event = outgoing(ENTRY)
    assert msgspec.json.decode(event.payload) == FRAME
    assert event.provider_id == "prov-a"
    assert event.key == (1700000000123, 4)
    assert event.published_at == pytest.approx(1700000000.123)


def test_the_data_bytes_reach_the_frame_unchanged() -> None:
    spaced = b'{ "providerId" : "prov-a",  "z": 1, "a": 2 }'
    event = outgoing(replace(ENTRY, data=spaced))
    assert event.payload.endswith(b'"data":' + spaced + b"}")


def test_an_entry_of_an_earlier_version_gives_the_same_frame() -> None:
    event = outgoing(StreamEntry(id="1700000000123-4", event="booking.created", data=ENVELOPE))
    assert msgspec.json.decode(event.payload) == FRAME
    assert event.provider_id == "prov-a"


def test_the_event_id_comes_from_the_stream_entry_and_survives_redelivery() -> None:
    first = outgoing(replace(ENTRY, id="5-0"))
    again = outgoing(replace(ENTRY, id="9-0"))
    frames = [msgspec.json.decode(e.payload) for e in (first, again)]
    assert [f["eventId"] for f in frames] == ["e1", "e1"]
    assert [f["id"] for f in frames] == ["5-0", "9-0"]
    legacy = outgoing(StreamEntry(id="5-0", event="booking.created", data=ENVELOPE, event_id="e2"))
    assert msgspec.json.decode(legacy.payload)["eventId"] == "e2"


def test_channel_comes_from_the_entry_not_the_envelope() -> None:
    event = outgoing(StreamEntry(id="1-0", event="booking.cancelled", data=ENVELOPE))
    assert msgspec.json.decode(event.payload)["event"] == "booking.cancelled"


def test_data_that_is_not_an_object_has_no_owner() -> None:
    event = outgoing(StreamEntry(id="1-0", event="x", data=b'{"data":[1]}'))
    assert event.provider_id is None


@pytest.mark.parametrize("data", [b"", b"not json", b"[]", b'{"occurredAt": 5}'])
def test_entry_that_is_not_an_envelope_is_malformed(data: bytes) -> None:
    with pytest.raises(MalformedEntry):
        outgoing(StreamEntry(id="1-0", event="booking.created", data=data))


def test_resync_frame_names_the_position_to_resume_from() -> None:
    frame = msgspec.json.decode(resync((17, 2), "trimmed", now=datetime(2030, 1, 1, tzinfo=UTC)))
    assert frame == {
        "event": "resync",
        "id": "17-2",
        "occurredAt": "2030-01-01T00:00:00Z",
        "data": {"reason": "trimmed"},
    }
