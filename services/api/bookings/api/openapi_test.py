"""The OpenAPI document and the docs page describe every route, its auth and its errors."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from litestar.testing import TestClient

from bookings.api.conftest import SlotFactory, TokenFactory

BOOKING_OPERATIONS = {
    ("post", "/bookings"),
    ("get", "/bookings/{booking_id}"),
    ("patch", "/bookings/{booking_id}"),
    ("post", "/bookings/{booking_id}/cancel"),
    ("get", "/bookings/upcoming/list"),
    ("get", "/bookings/past/list"),
}


def test_every_contract_route_is_documented(client: TestClient[Any]) -> None:
    paths = client.get("/schema/openapi.json").json()["paths"]
    documented = {(method, path) for path, item in paths.items() for method in item}
    assert (
        BOOKING_OPERATIONS
        | {
            ("post", "/auth/login"),
            ("get", "/health"),
            ("get", "/health/ready"),
        }
        <= documented
    )


def test_booking_routes_need_a_bearer_token_and_list_their_problems(
    client: TestClient[Any],
) -> None:
    document = client.get("/schema/openapi.json").json()
    scheme = document["components"]["securitySchemes"]["BearerToken"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    for method, path in BOOKING_OPERATIONS:
        operation = document["paths"][path][method]
        assert operation["security"] == [{"BearerToken": []}]
        assert {"401", "403", "429"} <= set(operation["responses"])
        problem = operation["responses"]["401"]["content"]["application/problem+json"]
        assert problem["schema"]["$ref"] == "#/components/schemas/Problem"


def test_the_docs_page_is_served(client: TestClient[Any]) -> None:
    response = client.get("/schema")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")


def test_a_wrong_method_is_a_405_problem_naming_the_allowed_ones(
    client: TestClient[Any],
) -> None:
    response = client.delete("/bookings/x")
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert "GET" in response.headers["allow"]


def test_request_bodies_are_closed_as_the_server_enforces(client: TestClient[Any]) -> None:
    schemas = client.get("/schema/openapi.json").json()["components"]["schemas"]
    for body in ("BookingCreate", "BookingUpdate", "LoginRequest"):
        assert schemas[body]["additionalProperties"] is False, body


def test_the_idempotency_key_is_documented_with_the_length_the_server_accepts(
    client: TestClient[Any], auth: TokenFactory, slot: SlotFactory
) -> None:
    operation = client.get("/schema/openapi.json").json()["paths"]["/bookings"]["post"]
    (key,) = (p for p in operation["parameters"] if p["name"] == "Idempotency-Key")
    # Litestar puts the bounds beside `oneOf: [string, null]`, where they bound the string.
    schema = key["schema"]
    too_long = client.post(
        "/bookings",
        json={"title": "Keyed", **slot(900)},
        headers={**auth("keyed"), "Idempotency-Key": "k" * 256},
    )
    assert (schema["minLength"], schema["maxLength"]) == (1, 255)
    assert too_long.status_code == 422


def test_options_on_one_booking_allows_every_method_the_document_lists(
    client: TestClient[Any],
) -> None:
    documented = client.get("/schema/openapi.json").json()["paths"]["/bookings/{booking_id}"]
    response = client.options(f"/bookings/{uuid4()}")
    assert response.status_code == 204
    allowed = {method.strip() for method in response.headers["allow"].split(",")}
    assert allowed == {method.upper() for method in documented} | {"HEAD", "OPTIONS"}
    assert "GET" in allowed


def test_a_malformed_booking_id_is_a_404_naming_it(
    client: TestClient[Any], auth: TokenFactory
) -> None:
    response = client.get("/bookings/no-such-thing", headers=auth("asker"))
    assert response.status_code == 404
    detail = response.json()["detail"]
    assert "no-such-thing" in detail
    assert "00000000-0000-0000-0000-000000000000" not in detail


def test_a_created_booking_links_to_the_operations_that_take_its_id(
    client: TestClient[Any],
) -> None:
    document = client.get("/schema/openapi.json").json()
    links = document["paths"]["/bookings"]["post"]["responses"]["201"]["links"]
    assert set(links) == {"getBooking", "changeBooking", "cancelBooking"}
    operation_ids = {
        operation["operationId"]: operation
        for item in document["paths"].values()
        for operation in item.values()
    }
    for name, link in links.items():
        target = operation_ids[link["operationId"]]
        assert link["parameters"] == {"booking_id": "$response.body#/id"}, name
        assert "booking_id" in {parameter["name"] for parameter in target["parameters"]}
