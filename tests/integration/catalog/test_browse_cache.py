"""Browse pages are read once while fresh; this process's own changes show at once, and
another process's once ``browse_cache_seconds`` have passed (the first ask after that still
gets the old page while the new one is read in the background)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, text

from codeflix.db import create_engine
from tests.support.catalog import CatalogHarness

VIDEO = {"title": "Big Buck Bunny", "launch_year": 2008, "duration": 10, "rating": "L",
         "published": True}  # fmt: skip


@pytest.fixture
def statements(catalog: CatalogHarness) -> Iterator[list[str]]:
    """The SQL statements the catalog sends to its database."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    engine = catalog.app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    yield sent
    event.remove(engine, "before_cursor_execute", record)


async def titles(catalog: CatalogHarness, **params: Any) -> list[str]:
    response = await catalog.client.get("/api/v1/videos", params=params, headers=catalog.viewer)
    assert response.status_code == 200, response.text
    return [v["title"] for v in response.json()["items"]]


async def test_a_fresh_page_is_not_read_again_and_own_changes_show_at_once(
    catalog: CatalogHarness, statements: list[str]
) -> None:
    created = await catalog.create("videos", VIDEO)
    assert await titles(catalog) == ["Big Buck Bunny"]
    statements.clear()
    assert await titles(catalog) == ["Big Buck Bunny"]
    assert await titles(catalog, sort="newest") == ["Big Buck Bunny"]
    assert statements == []  # from the cache: no query at all
    assert await titles(catalog, sort="title") == ["Big Buck Bunny"]
    assert statements, "another page is read from the database"

    url = f"/api/v1/admin/videos/{created['id']}"
    tag = (await catalog.client.get(url, headers=catalog.admin)).headers["etag"]
    changed = await catalog.client.patch(
        url, json={"published": False}, headers={**catalog.admin, "If-Match": tag}
    )
    assert changed.status_code == 200, changed.text
    assert await titles(catalog) == []  # the admin's change, at once
    await catalog.create("videos", {**VIDEO, "title": "Sintel"})
    assert await titles(catalog) == ["Sintel"]


async def test_another_process_change_shows_within_the_cache_time(
    catalog: CatalogHarness,
) -> None:
    await catalog.create("videos", VIDEO)
    assert await titles(catalog) == ["Big Buck Bunny"]
    # Another replica of the catalog renames the title in the shared database.
    other = create_engine(catalog.app.state.settings.db_url)
    try:
        async with other.begin() as connection:
            await connection.execute(text("UPDATE videos SET title = 'Renamed'"))
    finally:
        await other.dispose()
    assert await titles(catalog) == ["Big Buck Bunny"]  # this replica's page is still fresh
    await asyncio.sleep(catalog.app.state.settings.browse_cache_seconds + 0.2)
    assert await titles(catalog) == ["Big Buck Bunny"]  # answered at once, read again behind
    for _ in range(50):
        await asyncio.sleep(0.1)
        if await titles(catalog) == ["Renamed"]:
            break
    else:
        raise AssertionError("the other process's change never showed")
