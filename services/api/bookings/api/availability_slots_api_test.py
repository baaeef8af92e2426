"""Free slots through the app, on real PostgreSQL: the schedule less the buffered bookings,
stepped from each working interval, and the queries refused."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from bookings.api.conftest import TokenFactory
from bookings.api.testing_availability import a_monday_ahead, berlin, office_hours, put_schedule, z

Client = TestClient[Any]


def slots(client: Client, provider_id: str, headers: dict[str, str], **query: Any) -> Any:
    return client.get(f"/providers/{provider_id}/slots", params=query, headers=headers)


def test_slots_leave_out_bookings_widened_by_the_buffer(
    client: Client, provider_id: str, provider: dict[str, str], auth: TokenFactory
) -> None:
    monday = a_monday_ahead()
    put_schedule(client, provider_id, provider, office_hours(bufferMinutes=15))
    booked = {
        "title": "Booked",
        "startTime": z(berlin(monday, 11)),
        "endTime": z(berlin(monday, 12)),
    }
    assert client.post("/bookings", json=booked, headers=provider).status_code == 201
    # A booking app's token carries no booking role; it may read slots all the same.
    reader = auth("a-booking-app", "viewer")
    response = slots(
        client,
        provider_id,
        reader,
        **{"from": z(berlin(monday, 0)), "to": z(berlin(monday, 23)), "duration": 60},
    )
    assert response.status_code == 200, response.text
    page = response.json()
    assert (page["providerId"], page["timeZone"]) == (provider_id, "Europe/Berlin")
    assert (page["duration"], page["step"]) == (60, 60)
    starts = [slot["start"] for slot in page["slots"]]
    # 10:00-11:00 runs into the buffer before 11:00 and 12:00-13:00 into the one after it.
    expected = [berlin(monday, hour) for hour in (9, 13, 14, 15, 16)]
    assert starts == [z(moment) for moment in expected]
    assert all(slot["end"].endswith("Z") for slot in page["slots"])


def test_slots_step_is_counted_from_each_working_interval(
    client: Client, provider_id: str, provider: dict[str, str]
) -> None:
    monday = a_monday_ahead()
    hours = {"monday": [{"start": "09:10", "end": "10:30"}, {"start": "13:00", "end": "14:00"}]}
    put_schedule(client, provider_id, provider, {"timeZone": "Europe/Berlin", "weekly": hours})
    query = {
        "from": z(berlin(monday, 9, 30)),
        "to": z(berlin(monday, 23)),
        "duration": 30,
        "step": 20,
    }
    starts = [s["start"] for s in slots(client, provider_id, provider, **query).json()["slots"]]
    wanted = [(9, 30), (9, 50), (13, 0), (13, 20)]
    assert starts == [z(berlin(monday, h, m)) for h, m in wanted]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2031-01-07T10:00:00Z", "to": "2031-01-07T09:00:00Z", "duration": 30}, "to"),
        ({"from": "2031-01-01T00:00:00Z", "to": "2031-03-05T00:00:00Z", "duration": 30}, "to"),
        ({"from": "2031-01-07T10:00:00", "to": "2031-01-08T00:00:00Z", "duration": 30}, "from"),
        (
            {"from": "2031-01-07T10:00:00 01:00", "to": "2031-01-08T00:00:00Z", "duration": 30},
            "from",
        ),
        ({"from": "yesterday", "to": "2031-01-08T00:00:00Z", "duration": 30}, "from"),
        (
            {"from": "0001-01-01T00:00:00+00:01", "to": "2031-01-08T00:00:00Z", "duration": 30},
            "from",
        ),
        ({"from": "0001-01-01T00:00:00Z", "to": "0001-01-05T00:00:00Z", "duration": 30}, "from"),
        ({"from": "9999-12-25T00:00:00Z", "to": "9999-12-31T23:59:59Z", "duration": 30}, "from"),
        ({"from": "8999-12-25T00:00:00Z", "to": "9999-12-31T23:59:59-12:00", "duration": 30}, "to"),
        ({"from": "2031-01-07T00:00:00Z", "to": "2031-01-08T00:00:00Z", "duration": 4}, "duration"),
        (
            {"from": "2031-01-07T00:00:00Z", "to": "2031-01-08T00:00:00Z", "duration": 1441},
            "duration",
        ),
        ({"from": "2031-01-07T00:00:00Z", "to": "2031-01-08T00:00:00Z"}, "duration"),
        (
            {
                "from": "2031-01-07T00:00:00Z",
                "to": "2031-01-08T00:00:00Z",
                "duration": 30,
                "step": 0,
            },
            "step",
        ),
    ],
)
def test_bad_slot_queries_are_422(
    client: Client, provider_id: str, provider: dict[str, str], query: dict[str, Any], field: str
) -> None:
    put_schedule(client, provider_id, provider, office_hours())
    response = slots(client, provider_id, provider, **query)
    assert response.status_code == 422, response.text
    assert field in [error["field"] for error in response.json()["errors"]]


def test_slots_of_a_provider_without_schedule_are_404(
    client: Client, provider: dict[str, str]
) -> None:
    query: dict[str, str | int] = {
        "from": "2031-01-07T00:00:00Z",
        "to": "2031-01-08T00:00:00Z",
        "duration": 30,
    }
    assert slots(client, "nobody", provider, **query).status_code == 404
    assert client.get("/providers/nobody/slots", params=query).status_code == 401
