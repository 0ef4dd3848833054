"""Crafted cursors and filters get a 422 problem from the subscription lists, never a 500."""

from __future__ import annotations

import base64
import json
import uuid

import pytest

from tests.integration.subscription.conftest import SubscriptionApi


def forged(data: object) -> str:
    raw = json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


AN_ID = str(uuid.uuid4())
CURSORS = [
    "WyI5OTk5LTEyLTMxVDIzOjU5OjU5IiwgIngiXQ",  # ["9999-12-31T23:59:59", "x"]: naive
    "WyIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwgIlx1ZDgwMCJd",  # [..., "\ud800"]: lone surrogate
    forged({"s": "-created_at", "v": "9999-12-31T23:59:59", "id": AN_ID}),
    forged({"s": "-created_at", "v": "2026-01-01T00:00:00+00:00", "id": "\ud800"}),
    forged({"s": "-created_at", "v": "2026-01-01T00:00:00+00:00", "id": "a\u0000"}),
    forged({"s": "-created_at", "v": "0001-01-01T00:00:00+14:00", "id": AN_ID}),
    forged({"s": "-created_at", "v": 10**30, "id": AN_ID}),
    "not a cursor",
]


@pytest.mark.parametrize("cursor", CURSORS)
async def test_a_crafted_cursor_is_a_422_problem(api: SubscriptionApi, cursor: str) -> None:
    for path in ("/api/v1/plans", "/api/v1/admin/plans", "/api/v1/admin/subscriptions"):
        response = await api.client.get(path, params={"cursor": cursor}, headers=api.admin)
        assert response.status_code == 422, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["loc"] == ["query", "cursor"]


@pytest.mark.parametrize("user_id", ["a\u0000b", "\u0000", "x" * 201])
async def test_a_crafted_user_filter_is_a_422_problem(api: SubscriptionApi, user_id: str) -> None:
    for path in ("/api/v1/admin/subscriptions", "/api/v1/admin/payments"):
        response = await api.client.get(path, params={"user_id": user_id}, headers=api.admin)
        assert response.status_code == 422, (path, response.text)
        assert response.json()["errors"][0]["loc"][0] == "query"


async def test_cursors_still_walk_every_plan(api: SubscriptionApi) -> None:
    for n in range(3):
        await api.plan(name=f"walk-{n}")
    seen, cursor = [], None
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = (
            await api.client.get("/api/v1/admin/plans", params=params, headers=api.admin)
        ).json()
        seen += [p["id"] for p in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert len(seen) == len(set(seen)) == 3


@pytest.mark.parametrize("text", ["\ud800", "a\u0000b"])
async def test_text_a_database_cannot_store_is_a_422_in_bodies(
    api: SubscriptionApi, text: str
) -> None:
    for body in ({"name": text, "price_cents": 990}, {"name": "x", "description": text}):
        response = await api.client.post(
            "/api/v1/admin/plans",
            content=json.dumps(body),  # "\ud800" escaped: httpx would refuse to encode it
            headers={**api.admin, "content-type": "application/json"},
        )
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["loc"][0] == "body"
