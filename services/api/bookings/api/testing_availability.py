"""Working hours for the availability tests: a week of office hours in Berlin, a Monday ahead to
book, and the schedule set through the app."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from litestar.testing import TestClient

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
