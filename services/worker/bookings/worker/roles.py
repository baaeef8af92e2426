"""The worker's roles; each runs alone (`worker ROLE`) or with the others under a supervisor."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    RELAY = "relay"  # outbox rows → Redis pub/sub and stream; booking changes → reminder schedules
    SCHEDULER = "scheduler"  # due reminders → the `booking-reminders` queue
    JOBS = "jobs"  # the RQ worker that sends reminders
    RECONCILER = "reconciler"  # reminders Redis lost → scheduled again; housekeeping
    WEBHOOKS = "webhooks"  # pending webhook deliveries → their endpoints, retried on a schedule


ALL_ROLES: tuple[Role, ...] = tuple(Role)
