"""The webhook routes in the OpenAPI document, and OPTIONS allowing what it lists."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from litestar.testing import TestClient

from bookings.events.schemas import CHANNELS

Client = TestClient[Any]


@pytest.mark.parametrize(
    "path",
    [
        "/webhooks",
        "/webhooks/{webhook_id}",
        "/webhooks/{webhook_id}/deliveries",
        "/webhooks/{webhook_id}/rotate-secret",
    ],
)
def test_options_allows_every_method_the_document_lists(client: Client, path: str) -> None:
    documented = client.get("/schema/openapi.json").json()["paths"][path]
    response = client.options(path.replace("{webhook_id}", str(uuid4())))
    assert response.status_code == 204
    allowed = {method.strip() for method in response.headers["allow"].split(",")}
    listed = {method.upper() for method in documented}
    assert allowed == listed | {"OPTIONS"} | ({"HEAD"} if "GET" in listed else set())


WEBHOOK_OPERATIONS = {
    ("post", "/webhooks"): "createWebhook",
    ("get", "/webhooks"): "listWebhooks",
    ("get", "/webhooks/{webhook_id}"): "getWebhook",
    ("patch", "/webhooks/{webhook_id}"): "changeWebhook",
    ("delete", "/webhooks/{webhook_id}"): "deleteWebhook",
    ("post", "/webhooks/{webhook_id}/rotate-secret"): "rotateWebhookSecret",
    ("get", "/webhooks/{webhook_id}/deliveries"): "listWebhookDeliveries",
    (
        "post",
        "/webhooks/{webhook_id}/deliveries/{delivery_id}/retry",
    ): "retryWebhookDelivery",
}


def test_the_document_describes_every_webhook_route(client: Client) -> None:
    document = client.get("/schema/openapi.json").json()
    for (method, path), operation_id in WEBHOOK_OPERATIONS.items():
        operation = document["paths"][path][method]
        assert operation["operationId"] == operation_id
        assert operation["security"] == [{"BearerToken": []}]
        assert {"401", "403", "429"} <= set(operation["responses"])
    schemas = document["components"]["schemas"]
    for body in ("WebhookCreate", "WebhookUpdate"):
        assert schemas[body]["additionalProperties"] is False, body
    events = schemas["WebhookCreate"]["properties"]["events"]
    assert set(events["items"]["enum"]) == set(CHANNELS)
    secret_bearing = {"WebhookEndpointCreated", "WebhookSecret"}
    assert {
        name for name, schema in schemas.items() if "secret" in schema.get("properties", {})
    } == (secret_bearing)
    links = document["paths"]["/webhooks"]["post"]["responses"]["201"]["links"]
    assert set(links) == {
        "getWebhook",
        "changeWebhook",
        "deleteWebhook",
        "rotateWebhookSecret",
        "listWebhookDeliveries",
    }
