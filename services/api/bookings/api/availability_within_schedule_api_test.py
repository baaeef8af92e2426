"""`withinSchedule` through the app, on real PostgreSQL: a booking must fit the working hours
and their buffers, also under concurrent creates."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar.testing import TestClient

from bookings.api.testing_availability import a_monday_ahead, berlin, office_hours, put_schedule, z

Client = TestClient[Any]


def test_within_schedule_refuses_what_the_schedule_does_not_offer(
    client: Client, provider_id: str, provider: dict[str, str]
) -> None:
    monday = a_monday_ahead()

    def book(start: datetime, minutes: int, **query: str) -> Any:
        body = {
            "title": "Visit",
            "startTime": z(start),
            "endTime": z(start + timedelta(minutes=minutes)),
        }
        return client.post("/bookings", json=body, headers=provider, params=query)

    within = {"withinSchedule": "true"}
    assert book(berlin(monday, 10), 30, **within).json()["type"].endswith("not-within-schedule")
    put_schedule(client, provider_id, provider, office_hours(bufferMinutes=30))
    assert book(berlin(monday, 10), 30, **within).status_code == 201
    assert book(berlin(monday, 10, 45), 30, **within).status_code == 422  # in the buffer
    assert book(berlin(monday, 16, 45), 30, **within).status_code == 422  # past 17:00
    assert book(berlin(monday, 7), 30, **within).status_code == 422  # before 09:00
    assert book(berlin(monday, 7), 30).status_code == 201  # without the flag: any free time
    assert book(berlin(monday, 11, 10), 20, **within).status_code == 201  # off the grid is fine
    far = datetime(9999, 12, 31, 22, tzinfo=UTC)  # no hours are kept that far: a 422, not a 500
    assert book(far, 60, **within).status_code == 422


def test_within_schedule_buffers_hold_under_concurrent_creates(
    client: Client, provider_id: str, provider: dict[str, str]
) -> None:
    """Ten creates race for times that do not overlap but lie within each other's buffer:
    the database queues them, so exactly one gets in."""
    monday = a_monday_ahead()
    put_schedule(client, provider_id, provider, office_hours(bufferMinutes=60))
    statuses: list[int] = []
    barrier = threading.Barrier(10)

    def book(index: int) -> None:
        start = berlin(monday, 10, index * 5)
        body = {
            "title": f"Race {index}",
            "startTime": z(start),
            "endTime": z(start + timedelta(minutes=4)),
        }
        barrier.wait()
        response = client.post(
            "/bookings", json=body, headers=provider, params={"withinSchedule": "true"}
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=book, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] + [422] * 9
