"""The OpenAPI document and the docs page describe every route, its auth and its errors."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

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
