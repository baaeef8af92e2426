from datetime import timedelta

import pytest

from bookings.runtime.env import ConfigError, Env
from bookings.worker.settings import WorkerSettings


def test_defaults_poll_often_and_keep_a_day_of_events() -> None:
    settings = WorkerSettings.from_env(Env({}))

    assert settings.metrics_port == 9102
    assert settings.scheduler_interval == timedelta(milliseconds=50)
    assert settings.reminder_job_abandoned_margin == timedelta(seconds=5)
    assert settings.reconcile_interval <= timedelta(seconds=30)
    assert settings.reconcile_horizon >= 3 * settings.reconcile_interval
    assert settings.stream_max_age == timedelta(days=1)
    assert settings.common.idempotency_key_ttl == timedelta(hours=24)


def test_stream_bounds_and_intervals_come_from_env_vars() -> None:
    settings = WorkerSettings.from_env(
        Env(
            {
                "EVENT_STREAM_MAX_LENGTH": "5000",
                "EVENT_STREAM_MAX_AGE_SECONDS": "3600",
                "SCHEDULER_INTERVAL_SECONDS": "0.2",
                "REMINDER_JOB_ABANDONED_MARGIN_SECONDS": "0.5",
                "RECONCILE_INTERVAL_SECONDS": "30",
            }
        )
    )

    assert settings.stream_max_length == 5000
    assert settings.stream_max_age == timedelta(hours=1)
    assert settings.scheduler_interval == timedelta(milliseconds=200)
    assert settings.reminder_job_abandoned_margin == timedelta(milliseconds=500)
    assert settings.reconcile_horizon == timedelta(seconds=90)


def test_a_bad_value_names_its_variable() -> None:
    with pytest.raises(ConfigError, match="OUTBOX_BATCH_SIZE"):
        WorkerSettings.from_env(Env({"OUTBOX_BATCH_SIZE": "0"}))
