"""Working hours through the app, on real PostgreSQL: a provider's schedule, who may set and
read it, and the hours refused."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from bookings.api.conftest import TokenFactory
from bookings.api.testing_availability import NINE_TO_FIVE, WEEKDAYS, office_hours, put_schedule

Client = TestClient[Any]


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
