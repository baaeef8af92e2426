"""The scheduler role: rq-scheduler's loop, polling every `SCHEDULER_INTERVAL_SECONDS`.

Same steps as rq-scheduler's own `run()` (birth, heartbeat, lock, queue due jobs, unlock,
death), written out so that it stops on an event instead of a signal and beats its heartbeat.
Several schedulers may run: the lock lets one of them queue jobs at a time.
"""

from __future__ import annotations

import contextlib
import threading
import time

import redis
import structlog

from bookings.events.scheduler import ReminderScheduler
from bookings.worker.heartbeat import Heartbeat

log = structlog.get_logger(__name__)


def run_scheduler(
    client: redis.Redis, *, interval_s: float, stop: threading.Event, heartbeat: Heartbeat
) -> None:
    scheduler = ReminderScheduler(client, interval=interval_s)
    scheduler.register_birth()
    log.info("scheduler started", interval_s=interval_s)
    try:
        while not stop.is_set():
            started = time.monotonic()
            scheduler.heartbeat()
            if scheduler.acquire_lock():
                try:
                    queued = scheduler.enqueue_jobs()
                finally:
                    scheduler.remove_lock()
                if queued:
                    log.debug("reminders queued", count=len(queued))
            heartbeat.beat()
            stop.wait(max(0.0, interval_s - (time.monotonic() - started)))
    finally:
        with contextlib.suppress(redis.RedisError):  # its key expires on its own
            scheduler.register_death()
