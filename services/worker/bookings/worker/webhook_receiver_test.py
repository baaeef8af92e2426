"""The tests' webhook receiver (testing_webhook_receiver) verifies signatures on its own."""

from __future__ import annotations

import httpx

from bookings.webhooks.signing import new_secret
from bookings.worker.testing_webhook_receiver import Receiver, signed_headers


def test_the_receiver_accepts_only_requests_its_secret_verifies(receiver: Receiver) -> None:
    secret, other = new_secret(), new_secret()
    url = receiver.endpoint("/hook", {"current": secret})
    body = b'{"type":"booking.created"}'

    good = httpx.post(url, content=body, headers=signed_headers(secret, "msg_1", body))
    forged = httpx.post(url, content=body, headers=signed_headers(other, "msg_2", body))
    tampered = httpx.post(url, content=body + b" ", headers=signed_headers(secret, "msg_3", body))

    assert (good.status_code, forged.status_code, tampered.status_code) == (200, 401, 401)
    assert [r.verified_by for r in receiver.requests("/hook")] == [("current",), (), ()]
