"""Crafted query strings get a 422 problem from the catalog's lists, never a 500."""

from __future__ import annotations

import base64
import json
import uuid

import pytest

from tests.support.catalog import CatalogHarness


def forged(**data: object) -> str:
    """A cursor as an attacker would make one: our layout, their values."""
    raw = json.dumps(data).encode()  # json.dumps escapes "\ud800" as it came
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


HUGE = 10**23
AN_ID = str(uuid.uuid4())

HOSTILE = [
    ("/api/v1/videos", {"year": str(HUGE)}),
    ("/api/v1/videos", {"year": str(-HUGE)}),
    ("/api/v1/admin/videos", {"year": str(HUGE)}),
    ("/api/v1/admin/videos", {"year": str(-HUGE)}),
    ("/api/v1/videos", {"sort": "year", "cursor": forged(s="-launch_year", v=10**30, id=AN_ID)}),
    ("/api/v1/videos", {"sort": "year", "cursor": forged(s="-launch_year", v=2**40, id=AN_ID)}),
    ("/api/v1/videos", {"sort": "title", "cursor": forged(s="title", v="\u0000\ud800", id=AN_ID)}),
    ("/api/v1/videos", {"sort": "title", "cursor": forged(s="title", v="\ud800", id=AN_ID)}),
    ("/api/v1/videos", {"sort": "title", "cursor": forged(s="title", v="x" * 5000, id=AN_ID)}),
    ("/api/v1/videos", {"cursor": forged(s="-created_at", v="9999-12-31T23:59:59", id=AN_ID)}),
    ("/api/v1/videos", {"cursor": forged(s="-created_at", v="0001-01-01T00:00+14:00", id=AN_ID)}),
    ("/api/v1/admin/videos", {"title": "a\u0000b"}),
    ("/api/v1/admin/videos", {"title": "x" * 5000}),
    ("/api/v1/admin/categories", {"name": "\u0000"}),
    ("/api/v1/admin/genres", {"name": "x" * 5000}),
    ("/api/v1/admin/cast-members", {"name": "\u0000"}),
]  # fmt: skip


@pytest.mark.parametrize(("path", "params"), HOSTILE)
async def test_hostile_query_parameters_get_a_422_problem(
    catalog: CatalogHarness, path: str, params: dict[str, str]
) -> None:
    response = await catalog.client.get(path, params=params, headers=catalog.admin)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422
    assert problem["errors"][0]["loc"][0] == "query"


async def test_years_in_range_still_filter(catalog: CatalogHarness) -> None:
    response = await catalog.client.get(
        "/api/v1/videos", params={"year": "2008"}, headers=catalog.viewer
    )
    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": None}


@pytest.mark.parametrize("text", ["\ud800", "a\u0000b"])
async def test_text_a_database_cannot_store_is_a_422_in_bodies(
    catalog: CatalogHarness, text: str
) -> None:
    for path, body in (
        ("categories", {"name": text}),
        ("cast-members", {"name": text, "type": "actor"}),
        ("videos", {"title": text, "launch_year": 2008, "duration": 10, "rating": "L"}),
        ("videos", {"title": "Bunny", "description": text, "launch_year": 2008,
                    "duration": 10, "rating": "L"}),
    ):  # fmt: skip
        response = await catalog.client.post(
            f"/api/v1/admin/{path}",
            content=json.dumps(body),  # escaped as \ud800: httpx would refuse to encode it
            headers={**catalog.admin, "content-type": "application/json"},
        )
        assert response.status_code == 422, (path, response.text)
        assert response.json()["errors"][0]["loc"][0] == "body"
