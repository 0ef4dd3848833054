"""The catalog refuses large JSON bodies but lets tus uploads stream past that limit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.catalog import CatalogHarness, catalog_settings, running_catalog
from tests.unit.catalog.test_tus_uploads import VIDEO, clip, patch, start

LIMIT = 64 * 1024


@pytest.fixture
async def small_bodies(tmp_path: Path) -> AsyncIterator[CatalogHarness]:
    async with running_catalog(catalog_settings(tmp_path, max_body_bytes=LIMIT)) as harness:
        yield harness


async def test_a_large_json_body_is_a_413_problem(small_bodies: CatalogHarness) -> None:
    body = {**VIDEO, "description": "x" * LIMIT}
    response = await small_bodies.client.post(
        "/api/v1/admin/videos", json=body, headers=small_bodies.admin
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    listed = await small_bodies.client.get("/api/v1/admin/videos", headers=small_bodies.admin)
    assert listed.json()["items"] == []


async def test_tus_patches_stream_past_the_body_limit(small_bodies: CatalogHarness) -> None:
    data = clip()
    assert len(data) > 8 * LIMIT
    url = await start(small_bodies, len(data))
    response = await patch(small_bodies, url, 0, data)
    assert response.status_code == 204, response.text
    assert response.headers["upload-offset"] == str(len(data))
