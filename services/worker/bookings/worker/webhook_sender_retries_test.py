"""The webhook sender against real PostgreSQL and a real receiver (testing_webhook_receiver):
retries (the same id, a new timestamp), a used-up schedule, a retry by hand, Retry-After, a retry
made during an attempt, and the per-endpoint limit that keeps a slow endpoint from delaying others.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bookings.webhooks.signing import new_secret
from bookings.worker.testing_webhook_receiver import Receiver, Reply, always, first
from bookings.worker.testing_webhooks import SETTINGS, StartSender, Webhooks


def test_failed_attempts_are_retried_with_the_same_id_and_a_new_timestamp(
    start_sender: StartSender, webhooks: Webhooks, receiver: Receiver
) -> None:
    secret = new_secret()
    flaky = first(2, Reply(500, body=b"database on fire"), then=Reply(204))
    endpoint = webhooks.endpoint(receiver.endpoint("/flaky", {"s": secret}, flaky), secret)
    # Over a second between attempts: their Unix-second timestamps differ.
    start_sender(replace(SETTINGS, retry_schedule=(timedelta(seconds=1.2),) * 3))
    delivery = webhooks.delivery(endpoint)

    receiver.wait_for(lambda: webhooks.row(delivery).attempts == 1, timeout=10, what="attempt 1")
    waiting = webhooks.row(delivery)
    receiver.wait_for(
        lambda: webhooks.row(delivery).status == "delivered", timeout=15, what="the delivery"
    )

    requests = receiver.requests("/flaky")
    assert (waiting.status, waiting.last_status_code) == ("pending", 500)
    assert waiting.last_error == "database on fire"
    assert waiting.next_attempt_at - waiting.updated_at >= timedelta(seconds=1.2 * 0.9)
    assert len(requests) == 3
    assert len({r.headers["webhook-id"] for r in requests}) == 1
    stamps = [int(r.headers["webhook-timestamp"]) for r in requests]
    assert stamps == sorted(set(stamps))  # a new one on every attempt
    assert all(r.verified_by == ("s",) for r in requests)
    assert len({r.body for r in requests}) == 1
    row = webhooks.row(delivery)
    assert (row.attempts, row.last_status_code, row.last_error) == (3, 204, None)


def test_a_used_up_schedule_fails_the_delivery_and_a_retry_by_hand_gets_one_more_attempt(
    start_sender: StartSender, webhooks: Webhooks, receiver: Receiver
) -> None:
    secret = new_secret()
    answer = always(Reply(500))
    endpoint = webhooks.endpoint(receiver.endpoint("/down", {"s": secret}, answer), secret)
    sender = start_sender(replace(SETTINGS, retry_schedule=(timedelta(seconds=0.2),) * 2))
    delivery = webhooks.delivery(endpoint)

    receiver.wait_for(
        lambda: webhooks.row(delivery).status == "failed", timeout=10, what="the failure"
    )
    assert webhooks.row(delivery).attempts == 3  # one, then one per wait of the schedule
    webhooks.retry(delivery)
    receiver.wait_for(lambda: webhooks.row(delivery).attempts == 4, timeout=10, what="attempt 4")
    receiver.wait_for(lambda: sender.outcomes("failed") == 2, timeout=5, what="the metric")

    row = webhooks.row(delivery)
    assert (row.status, row.next_attempt_at, row.last_status_code) == ("failed", None, 500)
    assert len(receiver.requests("/down")) == 4
    assert sender.outcomes("retrying") == 2


def test_retry_after_on_429_is_waited_out_even_beyond_the_schedule(
    start_sender: StartSender, webhooks: Webhooks, receiver: Receiver
) -> None:
    secret = new_secret()
    retry_after_s = 1  # the shortest in whole seconds, over three times the schedule's wait
    busy = first(1, Reply(429, headers={"Retry-After": str(retry_after_s)}), then=Reply(200))
    endpoint = webhooks.endpoint(receiver.endpoint("/busy", {"s": secret}, busy), secret)
    start_sender()  # the schedule alone would retry after 0.3 s
    delivery = webhooks.delivery(endpoint)

    receiver.wait_for(
        lambda: webhooks.row(delivery).status == "delivered", timeout=15, what="the delivery"
    )

    first_request, second_request = receiver.requests("/busy")
    assert second_request.at - first_request.at >= retry_after_s


def test_an_endpoint_that_never_answers_does_not_delay_the_others(
    start_sender: StartSender, webhooks: Webhooks, receiver: Receiver
) -> None:
    slow_secret, fast_secret = new_secret(), new_secret()
    hanging = always(Reply(200, delay_s=60))
    slow = webhooks.endpoint(receiver.endpoint("/slow", {"s": slow_secret}, hanging), slow_secret)
    fast = webhooks.endpoint(receiver.endpoint("/fast", {"s": fast_secret}), fast_secret)
    # Every place the sender has could go to the slow endpoint, were it not for its limit.
    settings = replace(SETTINGS, timeout=timedelta(seconds=5), max_concurrency=4)
    start_sender(settings)
    stuck = [webhooks.delivery(slow) for _ in range(20)]  # due first
    receiver.wait_for(
        lambda: len(receiver.requests("/slow")) == 2, timeout=10, what="the slow attempts"
    )
    sent = [webhooks.delivery(fast) for _ in range(20)]

    receiver.wait_for(
        lambda: all(webhooks.row(d).status == "delivered" for d in sent),
        timeout=3,  # the slow attempts hold their places for 5 s
        what="the other endpoint's deliveries",
    )

    assert receiver.most_running("/slow") == 2
    assert len(receiver.requests("/slow")) == 2
    assert {webhooks.row(d).attempts for d in stuck} == {0}


def test_an_outcome_does_not_overwrite_a_retry_made_during_the_attempt(
    start_sender: StartSender, webhooks: Webhooks, receiver: Receiver
) -> None:
    secret = new_secret()
    answer = first(1, Reply(500, delay_s=1.0), then=Reply(200))
    endpoint = webhooks.endpoint(receiver.endpoint("/retried", {"s": secret}, answer), secret)
    start_sender(
        replace(SETTINGS, timeout=timedelta(seconds=3), retry_schedule=(timedelta(hours=1),))
    )
    delivery = webhooks.delivery(endpoint)
    receiver.wait_for(lambda: receiver.requests("/retried"), timeout=10, what="the attempt")

    webhooks.retry(delivery)  # while the first attempt waits for its answer

    receiver.wait_for(
        lambda: webhooks.row(delivery).status == "delivered", timeout=10, what="the delivery"
    )
    row = webhooks.row(delivery)
    assert len(receiver.requests("/retried")) == 2
    assert (row.attempts, row.last_status_code) == (1, 200)  # the 500 was not recorded
