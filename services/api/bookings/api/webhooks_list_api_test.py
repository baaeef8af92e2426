"""Lists of webhook endpoints through the app: whose, in which order, and paged by cursor."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from litestar.testing import TestClient

from bookings.api.conftest import TokenFactory
from bookings.api.testing_webhooks import create

Client = TestClient[Any]


def test_lists_hold_the_callers_own_newest_first(
    client: Client, provider: dict[str, str], auth: TokenFactory
) -> None:
    ids = [create(client, provider).json()["id"] for _ in range(3)]
    create(client, auth("stranger"))
    page = client.get("/webhooks", headers=provider).json()
    assert [item["id"] for item in page["items"]] == ids[::-1]
    assert page["nextCursor"] is None
    assert all("secret" not in item for item in page["items"])


def test_an_admin_lists_everyones_or_one_providers(client: Client, auth: TokenFactory) -> None:
    first, second = f"pa-{uuid4().hex[:6]}", f"pb-{uuid4().hex[:6]}"
    mine = create(client, auth(first)).json()["id"]
    theirs = create(client, auth(second)).json()["id"]
    admin = auth(f"admin-{uuid4().hex[:6]}", "admin")
    for_first = create(client, admin, providerId=first).json()["id"]
    everyone = client.get("/webhooks", headers=admin).json()["items"]
    assert {mine, theirs, for_first} <= {item["id"] for item in everyone}
    only_first = client.get(f"/webhooks?providerId={first}", headers=admin).json()["items"]
    assert {item["id"] for item in only_first} == {mine, for_first}


def test_a_provider_cannot_list_another_providers(
    client: Client, provider: dict[str, str], provider_id: str
) -> None:
    assert client.get("/webhooks?providerId=someone", headers=provider).status_code == 403
    assert client.get(f"/webhooks?providerId={provider_id}", headers=provider).status_code == 200


def test_a_cursor_walks_the_list(client: Client, provider: dict[str, str]) -> None:
    ids = [create(client, provider).json()["id"] for _ in range(5)]
    walked: list[str] = []
    page = client.get("/webhooks?limit=2", headers=provider).json()
    while True:
        walked.extend(item["id"] for item in page["items"])
        if page["nextCursor"] is None:
            break
        page = client.get(f"/webhooks?limit=2&cursor={page['nextCursor']}", headers=provider)
        page = page.json()
    assert walked == ids[::-1]


@pytest.mark.parametrize(
    "query", ["cursor=nope", "cursor=" + "f" * 32, "limit=0", "limit=101", "limit=x"]
)
def test_bad_paging_is_a_422(client: Client, provider: dict[str, str], query: str) -> None:
    response = client.get(f"/webhooks?{query}", headers=provider)
    assert response.status_code == 422, response.text
    assert response.json()["errors"]
