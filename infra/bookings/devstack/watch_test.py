"""The event watcher's lines."""

from __future__ import annotations

from bookings.devstack.watch import describe


def test_an_event_is_one_line_naming_the_booking_its_slot_and_resume_id() -> None:
    frame = {
        "event": "booking.created",
        "id": "1732412345678-0",
        "eventId": "e-1",
        "occurredAt": "2030-01-01T08:00:00Z",
        "data": {
            "bookingId": "b-1",
            "providerId": "provider-1",
            "title": 'Intro "call"',
            "startTime": "2030-01-01T09:00:00Z",
            "endTime": "2030-01-01T09:30:00Z",
            "status": "scheduled",
        },
    }
    line = describe(frame)
    assert "\n" not in line
    for part in ("booking.created", "b-1", "provider-1", "09:00:00Z", '"Intro \\"call\\""'):
        assert part in line
    assert line.endswith("(id 1732412345678-0)")


def test_a_resync_says_to_refetch_and_a_strange_frame_still_prints() -> None:
    assert "refetch" in describe({"event": "resync", "data": {"reason": "trimmed"}})
    assert describe({"event": "x", "data": [1, 2]}).startswith("None x")
