"""The webhook sender against real PostgreSQL and a real receiver (testing_webhook_receiver):
what an attempt sends and how it is signed, the previous secret during a rotation, and what each
outcome does: delivered, 410, no answer in time, no connection, a redirect, a refused target."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bookings.webhooks.signing import new_secret
from bookings.worker.testing_webhook_receiver import Receiver, Reply, always
from bookings.worker.testing_webhooks import DATA, SETTINGS, StartSender, Webhooks
from bookings.worker.webhook_outcomes import GONE_REASON


def test_a_delivery_is_posted_signed_with_its_data_as_committed_and_marked_delivered(
    start_sender: StartSender, webhooks: Webhooks, receiver: Receiver
) -> None:
    secret = new_secret()
    endpoint = webhooks.endpoint(receiver.endpoint("/ok", {"current": secret}), secret)
    sender = start_sender()
    delivery = webhooks.delivery(endpoint)

    receiver.wait_for(
        lambda: webhooks.row(delivery).status == "delivered", timeout=10, what="the delivery"
    )

    [request] = receiver.requests("/ok")
    row = webhooks.row(delivery)
    assert request.verified_by == ("current",)
    assert request.headers["webhook-id"] == str(row.event_id)
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"].startswith("bookings-webhooks/")
    assert abs(int(request.headers["webhook-timestamp"]) - datetime.now(UTC).timestamp()) < 10
    assert request.body == (
        b'{"type":"booking.created","timestamp":"'
        + row.occurred_at.isoformat().replace("+00:00", "Z").encode()
        + b'","data":'
        + DATA
        + b"}"
    )
    assert json.loads(request.body)["data"]["title"] == "Café"
    assert (row.attempts, row.last_status_code, row.last_error) == (1, 200, None)
    assert row.next_attempt_at is None
    assert row.delivered_at is not None
    receiver.wait_for(lambda: sender.outcomes("delivered") == 1, timeout=5, what="the metric")
    assert sender.registry.get_sample_value("bookings_webhook_attempt_duration_seconds_count")


def test_410_gone_disables_the_endpoint_and_fails_its_pending_deliveries(
    start_sender: StartSender, webhooks: Webhooks, receiver: Receiver
) -> None:
    secret = new_secret()
    url = receiver.endpoint("/gone", {"s": secret}, always(Reply(410, body=b"no such hook")))
    endpoint = webhooks.endpoint(url, secret)
    attempted = webhooks.delivery(endpoint)
    later = [webhooks.delivery(endpoint, due_in=3600) for _ in range(2)]
    start_sender()

    receiver.wait_for(lambda: not webhooks.enabled(endpoint), timeout=10, what="the disabling")

    row = webhooks.row(attempted)
    assert (row.status, row.attempts, row.last_status_code, row.last_error) == (
        "failed",
        1,
        410,
        "no such hook",
    )
    for delivery in later:
        row = webhooks.row(delivery)
        assert (row.status, row.attempts, row.last_error) == ("failed", 0, GONE_REASON)
    assert len(receiver.requests("/gone")) == 1


def test_the_previous_secret_signs_too_until_it_expires(
    start_sender: StartSender, webhooks: Webhooks, receiver: Receiver
) -> None:
    old, new, older, newer = (new_secret() for _ in range(4))
    rotating = webhooks.endpoint(
        receiver.endpoint("/rotating", {"old": old, "new": new}),
        new,
        previous_secret=old,
        previous_expires_in=3600,
    )
    rotated = webhooks.endpoint(
        receiver.endpoint("/rotated", {"old": older, "new": newer}),
        newer,
        previous_secret=older,
        previous_expires_in=-1,
    )
    start_sender()
    webhooks.delivery(rotating)
    webhooks.delivery(rotated)

    receiver.wait_for(
        lambda: receiver.requests("/rotating") and receiver.requests("/rotated"),
        timeout=10,
        what="both deliveries",
    )

    [during] = receiver.requests("/rotating")
    [after] = receiver.requests("/rotated")
    assert during.verified_by == ("old", "new")
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert after.verified_by == ("new",)


def test_no_answer_in_time_no_connection_or_a_redirect_are_failed_attempts(
    start_sender: StartSender, webhooks: Webhooks, receiver: Receiver
) -> None:
    secret = new_secret()
    late = webhooks.endpoint(
        receiver.endpoint("/late", {"s": secret}, always(Reply(200, delay_s=5))), secret
    )
    refused = webhooks.endpoint("http://127.0.0.1:9/closed", secret)
    moved = webhooks.endpoint(
        receiver.endpoint("/moved", {"s": secret}, always(Reply(302, {"location": "/ok"}))),
        secret,
    )
    huge = webhooks.endpoint(
        receiver.endpoint(
            "/huge", {"s": secret}, always(Reply(500, body=b"\xff" + b"x" * 200_000))
        ),
        secret,
    )
    start_sender(
        replace(SETTINGS, timeout=timedelta(seconds=0.5), retry_schedule=(timedelta(hours=1),))
    )
    deliveries = {
        name: webhooks.delivery(e)
        for name, e in (("late", late), ("refused", refused), ("moved", moved), ("huge", huge))
    }

    receiver.wait_for(
        lambda: all(webhooks.row(d).attempts == 1 for d in deliveries.values()),
        timeout=10,
        what="one attempt each",
    )

    rows = {name: webhooks.row(d) for name, d in deliveries.items()}
    assert {row.status for row in rows.values()} == {"pending"}  # retried in an hour
    assert (rows["late"].last_status_code, rows["late"].last_error) == (
        None,
        "timed out after 0.5 s",
    )
    assert rows["refused"].last_status_code is None
    assert rows["refused"].last_error.startswith("connection failed: ")
    assert rows["moved"].last_status_code == 302
    assert receiver.requests("/ok") == []
    assert rows["huge"].last_error == "\ufffd" + "x" * 1023


def test_production_sends_only_over_https_to_public_addresses(
    start_sender: StartSender, webhooks: Webhooks, receiver: Receiver
) -> None:
    secret = new_secret()
    plain = webhooks.endpoint(receiver.endpoint("/plain", {"s": secret}), secret)
    port = receiver.base_url.rsplit(":", 1)[1]
    internal = webhooks.endpoint(f"https://localhost:{port}/internal", secret)
    start_sender(replace(SETTINGS, retry_schedule=(timedelta(seconds=0.2),)), production=True)
    deliveries = [webhooks.delivery(plain), webhooks.delivery(internal)]

    receiver.wait_for(
        lambda: all(webhooks.row(d).status == "failed" for d in deliveries),
        timeout=10,
        what="both to fail",
    )

    plain_row, internal_row = (webhooks.row(d) for d in deliveries)
    assert plain_row.attempts == internal_row.attempts == 2
    assert plain_row.last_error == "refused target: must use https"
    assert internal_row.last_error == (
        "refused target: host 'localhost' resolves to a non-public address"
    )
    assert receiver.received == []
