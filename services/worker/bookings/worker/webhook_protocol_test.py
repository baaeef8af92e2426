import json
import random
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from standardwebhooks.webhooks import Webhook

from bookings.webhooks.signing import new_secret
from bookings.worker.webhook_protocol import (
    ERROR_BYTES,
    error_text,
    judge,
    message_body,
    request_headers,
    retry_after_seconds,
    signing_keys,
)

SCHEDULE = tuple(timedelta(seconds=s) for s in (5, 300, 1800))
NOW = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)


def test_the_body_wraps_data_as_committed_without_decoding_it() -> None:
    data = b'{"price":1.50,"title":"Caf\\u00e9","nested":{"a":[1,2]}}'
    occurred_at = datetime(2030, 1, 1, 9, 0, 0, 123456, tzinfo=UTC)

    body = message_body("booking.created", occurred_at, data)

    assert body == (
        b'{"type":"booking.created","timestamp":"2030-01-01T09:00:00.123456Z","data":' + data + b"}"
    )


def test_headers_verify_with_the_standard_webhooks_library_for_every_key() -> None:
    current, previous = new_secret(), new_secret()
    event_id = uuid4()
    body = message_body("booking.cancelled", NOW, b"{}")
    sent_at = int(datetime.now(UTC).timestamp())

    headers = request_headers(event_id, sent_at, body, signing_keys(current, previous))

    assert headers["webhook-id"] == str(event_id)
    assert headers["webhook-timestamp"] == str(sent_at)
    assert headers["content-type"] == "application/json"
    for secret in (current, previous):
        assert Webhook(secret).verify(body, headers) == json.loads(body)
    only_current = request_headers(event_id, sent_at, body, signing_keys(current, None))
    assert len(only_current["webhook-signature"].split(" ")) == 1


@pytest.mark.parametrize("status", [200, 201, 202, 204, 299])
def test_a_2xx_answer_delivers(status: int) -> None:
    assert judge(status, attempts=1, schedule=SCHEDULE).status == "delivered"


def test_410_fails_at_once_and_marks_the_endpoint_gone() -> None:
    verdict = judge(410, attempts=1, schedule=SCHEDULE)
    assert (verdict.status, verdict.endpoint_gone) == ("failed", True)


@pytest.mark.parametrize("status", [None, 301, 400, 404, 429, 500, 503])
def test_anything_else_waits_the_next_wait_of_the_schedule_within_ten_percent(
    status: int | None,
) -> None:
    rng = random.Random(7)
    for attempts, wait in enumerate(SCHEDULE, start=1):
        verdicts = [
            judge(status, attempts=attempts, schedule=SCHEDULE, rng=rng) for _ in range(200)
        ]
        waits = [v.retry_in_s for v in verdicts if v.retry_in_s is not None]
        assert {v.status for v in verdicts} == {"pending"}
        assert wait.total_seconds() * 0.9 <= min(waits) < max(waits) <= wait.total_seconds() * 1.1
        assert max(waits) - min(waits) > wait.total_seconds() * 0.1  # spread out: jitter


def test_after_the_last_wait_the_delivery_fails_and_a_retry_by_hand_gets_one_attempt() -> None:
    assert judge(500, attempts=len(SCHEDULE) + 1, schedule=SCHEDULE).status == "failed"
    # A delivery retried by hand after failing comes back with its attempts: never past the end.
    assert judge(None, attempts=len(SCHEDULE) + 2, schedule=SCHEDULE).status == "failed"
    assert judge(500, attempts=50, schedule=SCHEDULE).status == "failed"
    assert judge(200, attempts=50, schedule=SCHEDULE).status == "delivered"


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_on_429_and_503_is_waited_at_least(status: int) -> None:
    longer = judge(status, attempts=1, schedule=SCHEDULE, retry_after_s=120)
    shorter = judge(status, attempts=2, schedule=SCHEDULE, retry_after_s=1)

    assert longer.retry_in_s == 120
    assert shorter.retry_in_s is not None
    assert shorter.retry_in_s >= 300 * 0.9


def test_retry_after_is_ignored_on_other_answers_and_after_the_last_attempt() -> None:
    other = judge(500, attempts=1, schedule=SCHEDULE, retry_after_s=120)
    last = judge(429, attempts=len(SCHEDULE) + 1, schedule=SCHEDULE, retry_after_s=1)

    assert other.retry_in_s is not None
    assert other.retry_in_s <= 5.5
    assert last.status == "failed"


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (None, None),
        ("120", 120.0),
        (" 0 ", 0.0),
        ("Tue, 01 Jan 2030 09:02:30 GMT", 150.0),
        ("Mon, 31 Dec 2029 09:00:00 GMT", 0.0),  # in the past: at once
        ("soon", None),
        ("-5", None),
        ("1.5", None),
        ("Tue, 01 Jan 2030 09:02:30", None),  # no zone
    ],
)
def test_retry_after_is_seconds_or_an_http_date(value: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(value, now=NOW) == seconds


def test_the_error_keeps_the_first_kib_of_the_body_whatever_its_bytes() -> None:
    assert error_text(b"") is None
    assert error_text(b"nope") == "nope"
    text = error_text(b"\xff\x00" + "é".encode() * 2000)
    assert text is not None
    assert text.startswith("\ufffd\ufffdé")
    assert "\x00" not in text
    assert len(text.encode("utf-8", errors="surrogatepass")) <= ERROR_BYTES + 4
