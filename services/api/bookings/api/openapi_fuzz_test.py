"""Property-based fuzzing of every operation from the app's own OpenAPI document.

Schemathesis generates valid and invalid requests per operation; whatever it sends, the API
never answers 5xx and every response matches the documented status codes, media types and
schemas.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from bookings.api.app import create_app
from bookings.api.conftest import SettingsFactory, TokenFactory

EXAMPLES = 50
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_no_request_gets_a_5xx_or_an_undocumented_response(
    make_settings: SettingsFactory, auth: TokenFactory
) -> None:
    # Limits off, so that every generated request reaches its route instead of a 429.
    app = create_app(make_settings(RATE_LIMIT_ENABLED="false"))
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)
    # An admin reaches every route and sees every booking the fuzzer creates.
    headers = auth("fuzzer", "admin")
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 8

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
        def no_failure(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        no_failure()
