"""Working hours, free slots and `withinSchedule` through the app, on real PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from litestar.testing import TestClient

from bookings.api.conftest import TokenFactory

Client = TestClient[Any]
BERLIN = ZoneInfo("Europe/Berlin")
NINE_TO_FIVE = [{"start": "09:00", "end": "17:00"}]
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")


def a_monday_ahead() -> date:
    """A Monday at least a week away, so that every slot of its week is in the future."""
    day = datetime.now(UTC).date() + timedelta(days=8)
    return day + timedelta(days=(7 - day.weekday()) % 7)


def berlin(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN)


def z(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def office_hours(**extra: Any) -> dict[str, Any]:
    return {
        "timeZone": "Europe/Berlin",
        "weekly": {day: NINE_TO_FIVE for day in WEEKDAYS},
        **extra,
    }


def put_schedule(
    client: Client, provider_id: str, headers: dict[str, str], body: dict[str, Any]
) -> Any:
    return client.put(f"/providers/{provider_id}/schedule", json=body, headers=headers)


def slots(client: Client, provider_id: str, headers: dict[str, str], **query: Any) -> Any:
    return client.get(f"/providers/{provider_id}/slots", params=query, headers=headers)


def test_a_provider_sets_and_reads_its_schedule(
    client: Client, provider_id: str, provider: dict[str, str]
) -> None:
    body = office_hours(
        overrides=[
            {"date": "2031-01-02", "intervals": [{"start": "10:00", "end": "24:00"}]},
            {"date": "2031-01-01", "intervals": []},
        ],
        bufferMinutes=15,
        minimumNoticeMinutes=120,
    )
    saved = put_schedule(client, provider_id, provider, body)
    assert saved.status_code == 200, saved.text
    shown = client.get(f"/providers/{provider_id}/schedule", headers=provider)
    assert shown.status_code == 200
    schedule = shown.json()
    assert schedule == saved.json()
    assert schedule["providerId"] == provider_id
    assert schedule["timeZone"] == "Europe/Berlin"
    assert schedule["weekly"] == {day: NINE_TO_FIVE for day in WEEKDAYS}
    assert [o["date"] for o in schedule["overrides"]] == ["2031-01-01", "2031-01-02"]
    assert schedule["overrides"][1]["intervals"] == [{"start": "10:00", "end": "24:00"}]
    assert (schedule["bufferMinutes"], schedule["minimumNoticeMinutes"]) == (15, 120)
    replaced = put_schedule(client, provider_id, provider, {"timeZone": "UTC", "weekly": {}})
    assert replaced.json()["weekly"] == {}
    assert replaced.json()["overrides"] == []


def test_a_schedule_is_its_provider_s_and_admins_business(
    client: Client, provider_id: str, provider: dict[str, str], auth: TokenFactory
) -> None:
    other = auth("someone-else")
    assert put_schedule(client, provider_id, other, office_hours()).status_code == 403
    assert client.get(f"/providers/{provider_id}/schedule", headers=other).status_code == 403
    assert client.get(f"/providers/{provider_id}/schedule", headers=provider).status_code == 404
    admin = auth("an-admin", "admin")
    assert put_schedule(client, provider_id, admin, office_hours()).status_code == 200
    assert client.get(f"/providers/{provider_id}/schedule", headers=provider).status_code == 200
    assert client.get(f"/providers/{provider_id}/schedule").status_code == 401
    allowed = client.options(f"/providers/{provider_id}/schedule")
    assert (allowed.status_code, allowed.headers["allow"]) == (204, "GET, HEAD, OPTIONS, PUT")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"timeZone": "Mars/Olympus_Mons"}, "timeZone"),
        ({"timeZone": "../../../etc/passwd"}, "timeZone"),
        ({"timeZone": "/etc/localtime"}, "timeZone"),
        ({"weekly": {"monday": [{"start": "12:00", "end": "09:00"}]}}, "weekly.monday"),
        ({"weekly": {"monday": [{"start": "24:00", "end": "24:00"}]}}, "weekly.monday"),
        (
            {
                "weekly": {
                    "friday": [
                        {"start": "09:00", "end": "12:00"},
                        {"start": "11:00", "end": "13:00"},
                    ]
                }
            },
            "weekly.friday",
        ),
        (
            {
                "weekly": {
                    "friday": [
                        {"start": "13:00", "end": "15:00"},
                        {"start": "09:00", "end": "12:00"},
                    ]
                }
            },
            "weekly.friday",
        ),
        ({"weekly": {"monday": [{"start": "9:00", "end": "12:00"}]}}, "weekly.monday[0].start"),
        ({"weekly": {"monday": [{"start": "09:00", "end": "24:01"}]}}, "weekly.monday[0].end"),
        ({"weekly": {"funday": NINE_TO_FIVE}}, "weekly"),
        ({"bufferMinutes": 241}, "bufferMinutes"),
        ({"minimumNoticeMinutes": -1}, "minimumNoticeMinutes"),
        (
            {
                "overrides": [
                    {"date": "2031-01-01", "intervals": []},
                    {"date": "2031-01-01", "intervals": NINE_TO_FIVE},
                ]
            },
            "overrides[1].date",
        ),
        ({"overrides": [{"date": "2031-02-30", "intervals": []}]}, "overrides[0].date"),
    ],
)
def test_invalid_hours_are_refused_by_field(
    client: Client,
    provider_id: str,
    provider: dict[str, str],
    change: dict[str, Any],
    field: str,
) -> None:
    response = put_schedule(client, provider_id, provider, office_hours(**change))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in [error["field"] for error in response.json()["errors"]]


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
