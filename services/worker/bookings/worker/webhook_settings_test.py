from datetime import timedelta

import pytest

from bookings.runtime.env import ConfigError, Env
from bookings.worker.settings import WorkerSettings
from bookings.worker.webhook_settings import WebhookSettings


def test_defaults_retry_for_about_three_days_with_a_ten_second_timeout() -> None:
    settings = WorkerSettings.from_env(Env({})).webhooks

    assert [w.total_seconds() for w in settings.retry_schedule] == [
        5,
        300,
        1800,
        7200,
        18000,
        36000,
        50400,
        72000,
        86400,
    ]
    assert settings.timeout == timedelta(seconds=10)
    assert settings.lease_margin == timedelta(seconds=5)
    assert (settings.max_concurrency, settings.max_per_endpoint) == (64, 4)
    assert settings.poll_interval == timedelta(seconds=1)
    assert settings.delivery_retention == timedelta(days=30)


def test_webhook_settings_come_from_env_vars() -> None:
    settings = WebhookSettings.from_env(
        Env(
            {
                "WEBHOOK_RETRY_SCHEDULE": " 0.5, 2 ,60",
                "WEBHOOK_TIMEOUT_SECONDS": "2.5",
                "WEBHOOK_LEASE_MARGIN_SECONDS": "0.5",
                "WEBHOOK_MAX_CONCURRENCY": "8",
                "WEBHOOK_MAX_PER_ENDPOINT": "8",
                "WEBHOOK_POLL_INTERVAL_SECONDS": "0.2",
                "WEBHOOK_DELIVERY_RETENTION_SECONDS": "3600",
            }
        )
    )

    assert settings.retry_schedule == (
        timedelta(seconds=0.5),
        timedelta(seconds=2),
        timedelta(seconds=60),
    )
    assert settings.timeout == timedelta(seconds=2.5)
    assert settings.lease_margin == timedelta(milliseconds=500)
    assert (settings.max_concurrency, settings.max_per_endpoint) == (8, 8)
    assert settings.poll_interval == timedelta(milliseconds=200)
    assert settings.delivery_retention == timedelta(hours=1)


@pytest.mark.parametrize(
    "schedule", ["5,,300", "5;300", "soon", "0", "5,-1", "nan", "inf", "5,99999999", "1e400"]
)
def test_a_bad_retry_schedule_is_one_clear_error(schedule: str) -> None:
    with pytest.raises(ConfigError) as raised:
        WebhookSettings.from_env(Env({"WEBHOOK_RETRY_SCHEDULE": schedule}))

    message = str(raised.value)
    assert message.startswith("WEBHOOK_RETRY_SCHEDULE: expected seconds between attempts")
    assert repr(schedule) in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"WEBHOOK_TIMEOUT_SECONDS": "0"}, "WEBHOOK_TIMEOUT_SECONDS"),
        ({"WEBHOOK_TIMEOUT_SECONDS": "inf"}, "WEBHOOK_TIMEOUT_SECONDS"),
        ({"WEBHOOK_TIMEOUT_SECONDS": "ten"}, "WEBHOOK_TIMEOUT_SECONDS"),
        ({"WEBHOOK_LEASE_MARGIN_SECONDS": "-1"}, "WEBHOOK_LEASE_MARGIN_SECONDS"),
        ({"WEBHOOK_LEASE_MARGIN_SECONDS": "301"}, "WEBHOOK_LEASE_MARGIN_SECONDS"),
        ({"WEBHOOK_MAX_CONCURRENCY": "0"}, "WEBHOOK_MAX_CONCURRENCY"),
        ({"WEBHOOK_MAX_PER_ENDPOINT": "0"}, "WEBHOOK_MAX_PER_ENDPOINT"),
        ({"WEBHOOK_MAX_PER_ENDPOINT": "65"}, "WEBHOOK_MAX_PER_ENDPOINT"),
        ({"WEBHOOK_POLL_INTERVAL_SECONDS": "0"}, "WEBHOOK_POLL_INTERVAL_SECONDS"),
        ({"WEBHOOK_DELIVERY_RETENTION_SECONDS": "-1"}, "WEBHOOK_DELIVERY_RETENTION_SECONDS"),
    ],
)
def test_a_bad_value_names_its_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError, match=f"^{variable}: "):
        WebhookSettings.from_env(Env(env))
