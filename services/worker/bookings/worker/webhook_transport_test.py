"""The webhook client's transport: what it refuses before any connection is made."""

from __future__ import annotations

import httpx
import pytest

from bookings.webhooks.targets import ForbiddenTarget
from bookings.worker.webhook_transport import WebhookTransport


async def test_production_refuses_plain_http_before_connecting() -> None:
    async with httpx.AsyncClient(
        transport=WebhookTransport(connections_per_pool=1, production=True)
    ) as client:
        with pytest.raises(ForbiddenTarget, match="must use https"):
            await client.post("http://93.184.215.14/hook")
