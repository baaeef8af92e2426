"""Property-based fuzzing of every operation from the app's own OpenAPI document.

Schemathesis generates valid and invalid requests per operation, then sequences of calls that
follow the document's links (a created booking's id into get, change and cancel; a created
webhook endpoint's into get, change, delete, rotate and its deliveries); every one of its
checks runs on every response: no 5xx, documented statuses, media types, headers and schemas,
invalid data refused, valid data accepted, auth not ignored, a created resource found.
Examples are bounded so that both tests run in seconds.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar import Litestar
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.schemas import OpenApiSchema

from bookings.api.app import create_app
from bookings.api.conftest import SettingsFactory, TokenFactory

EXAMPLES_PER_OPERATION = 30
SCENARIOS = 15
STEPS_PER_SCENARIO = 6
_SETTINGS = settings(
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)


def _app(make_settings: SettingsFactory) -> Litestar:
    # Limits off, so that every generated request reaches its route instead of a 429.
    return create_app(make_settings(RATE_LIMIT_ENABLED="false"))


# A body the document accepts may still break a booking rule that JSON Schema cannot state:
# start in the future, end after start, at most 24 hours. Those are 422 by contract.
# Scenarios follow the document's own links only: inferred ones would start them from a
# cancel with a random id (a POST, so a "likely creator"), which never finds a booking.
_CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]
            }
        },
        # Negative requests are each operation's own test; scenarios need bookings that exist.
        "phases": {
            "stateful": {"inference": {"algorithms": []}, "generation": {"mode": "positive"}}
        },
    }
)


def _schema(app: Litestar) -> OpenApiSchema:
    return schemathesis.openapi.from_asgi("/schema/openapi.json", app, config=_CONFIG)


def _bookable(slots: Iterator[int]) -> Callable[[Any], Any]:
    """Moves a body to a slot that the clock-dependent booking rules accept. Each gets a slot
    of its own, so that a body replayed while Hypothesis shrinks is created again (201), not
    refused as an overlap: which steps can follow must not depend on earlier runs."""

    def move(body: Any) -> Any:
        if not isinstance(body, dict):
            return body
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=24 + 2 * next(slots))
        end = start + timedelta(hours=1)
        return {**body, "startTime": start.isoformat(), "endTime": end.isoformat()}

    return move


def _with_a_target(body: Any) -> Any:
    """Gives a webhook endpoint's body a URL that endpoints may target outside production."""
    return {**body, "url": "http://127.0.0.1:9/hook"} if isinstance(body, dict) else body


def test_no_request_fails_any_check(make_settings: SettingsFactory, auth: TokenFactory) -> None:
    schema = _schema(_app(make_settings))
    # An admin reaches every route and sees every booking the fuzzer creates.
    headers = auth("fuzzer", "admin")
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 16

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(_SETTINGS, max_examples=EXAMPLES_PER_OPERATION)
        def no_failure(case: Any) -> None:
            case.call_and_validate(headers=headers)  # no `checks`: every check schemathesis has

        no_failure()


def test_no_sequence_of_linked_calls_fails_any_check(
    make_settings: SettingsFactory, auth: TokenFactory
) -> None:
    schema = _schema(_app(make_settings))
    headers = auth("stateful-fuzzer", "admin")

    move_to_a_free_slot = _bookable(itertools.count())

    @schema.hook("before_generate_body")
    def half_of_the_new_resources_are_valid(context: Any, bodies: Any) -> Any:
        # Random times are nearly always past, reversed or over 24 h, and random text is hardly
        # ever an absolute URL: no booking or webhook endpoint, no scenario.
        label = None if context.operation is None else context.operation.label
        if label == "POST /bookings":
            return st.one_of(bodies, bodies.map(move_to_a_free_slot))
        if label == "POST /webhooks":
            return st.one_of(bodies, bodies.map(_with_a_target))
        return bodies

    answered: list[tuple[str, int]] = []

    class LinkedCalls(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": headers}

        def after_call(self, response: Any, case: Any) -> None:
            answered.append((case.operation.definition.raw["operationId"], response.status_code))

    # The document's links are what the stateful phase follows; without them it has no steps.
    assert schema.statistic.transitions.total >= 3
    LinkedCalls.run(
        settings=settings(_SETTINGS, max_examples=SCENARIOS, stateful_step_count=STEPS_PER_SCENARIO)
    )
    followed = {operation for operation, status in answered if status in (200, 204)}
    assert {"getBooking", "changeBooking", "cancelBooking"} & followed
    assert {"getWebhook", "changeWebhook", "deleteWebhook", "rotateWebhookSecret"} & followed
