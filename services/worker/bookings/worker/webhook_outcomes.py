"""What becomes of each webhook attempt: its verdict, counted and logged, and then written.

The writer records outcomes in batches (one statement for whatever piled up while the previous
one ran), each only where the row still holds the attempt's lease (see
`bookings.persistence.delivery_outcomes`): a delivery retried through the API or claimed again
meanwhile keeps its newer state. An endpoint that answered 410 Gone is disabled, and its pending
deliveries failed, in the transaction that writes the batch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, Final
from uuid import UUID

import psycopg
import structlog

from bookings.persistence.delivery_claims import ClaimedDelivery
from bookings.persistence.delivery_outcomes import (
    AttemptRecord,
    disable_endpoint,
    record_attempts,
)
from bookings.persistence.webhook_deliveries import FAILED, PENDING
from bookings.worker.metrics import WorkerMetrics
from bookings.worker.webhook_attempts import AttemptResult
from bookings.worker.webhook_protocol import Verdict, judge

log = structlog.get_logger(__name__)

GONE_REASON: Final = "endpoint disabled: it answered 410 Gone"
OUTCOMES: Final = {PENDING: "retrying", FAILED: "failed"}


class OutcomeWriter:
    """The outcomes of one run of the sender: `add` judges each attempt as it ends, `write`
    writes them batch after batch."""

    def __init__(self, schedule: Sequence[timedelta], metrics: WorkerMetrics) -> None:
        self._schedule = schedule
        self._metrics = metrics
        self._records: list[AttemptRecord] = []
        self._gone: set[UUID] = set()
        self._records_ready = asyncio.Event()
        self._closed = False

    def add(self, delivery: ClaimedDelivery, result: AttemptResult, elapsed: float) -> None:
        """Judges the attempt that took `elapsed` seconds and queues its outcome."""
        verdict = judge(
            result.status_code,
            attempts=delivery.attempts + 1,
            schedule=self._schedule,
            retry_after_s=result.retry_after_s,
        )
        self._metrics.webhook_attempt_duration.observe(elapsed)
        self._metrics.webhook_deliveries.labels(OUTCOMES.get(verdict.status, verdict.status)).inc()
        _note(delivery, verdict, result.status_code, result.error, elapsed)
        self._records.append(
            AttemptRecord(
                delivery_id=delivery.id,
                lease=delivery.lease,
                status=verdict.status,
                retry_in_s=verdict.retry_in_s,
                status_code=result.status_code,
                error=result.error,
            )
        )
        if verdict.endpoint_gone:
            self._gone.add(delivery.endpoint_id)
        self._records_ready.set()

    def close(self) -> None:
        """No more outcomes are to come (no attempt is under way): `write` returns once it has
        written them all."""
        self._closed = True
        self._records_ready.set()

    async def write(self, writes: psycopg.AsyncConnection[Any]) -> None:
        """Writes the outcomes that piled up, batch after batch; returns once closed and
        everything is written."""
        while True:
            await self._records_ready.wait()
            self._records_ready.clear()
            records, self._records = self._records, []
            gone, self._gone = self._gone, set()
            if gone:
                async with writes.transaction():
                    kept = await record_attempts(writes, records)
                    for endpoint_id in gone:
                        failed = await disable_endpoint(writes, endpoint_id, reason=GONE_REASON)
                        self._metrics.webhook_deliveries.labels("failed").inc(failed)
                        log.warning(
                            "webhook endpoint disabled: it answered 410 Gone",
                            endpoint_id=str(endpoint_id),
                            deliveries_failed=failed,
                        )
            else:
                kept = await record_attempts(writes, records)
            if len(kept) < len(records):  # retried by hand, claimed again, failed by a 410
                dropped = [str(r.delivery_id) for r in records if r.delivery_id not in kept]
                log.info(
                    "attempt outcomes not recorded: their deliveries moved on meanwhile",
                    count=len(dropped),
                    deliveries=dropped[:10],
                )
            if self._closed and not self._records:
                return


def _note(
    delivery: ClaimedDelivery,
    verdict: Verdict,
    status_code: int | None,
    error: str | None,
    elapsed: float,
) -> None:
    if verdict.status == PENDING:
        log_at = log.debug
    elif verdict.status == FAILED:
        log_at = log.warning
    else:
        return
    log_at(
        "webhook attempt failed",
        delivery_id=str(delivery.id),
        endpoint_id=str(delivery.endpoint_id),
        attempts=delivery.attempts + 1,
        status_code=status_code,
        error=(error or "")[:200],
        final=verdict.status == FAILED,
        endpoint_gone=verdict.endpoint_gone,
        retry_in_s=verdict.retry_in_s,
        elapsed_s=round(elapsed, 3),
    )
