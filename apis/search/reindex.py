"""Rebuild the video collection from the catalog's API without stopping searches.

1. note the time, create a new collection ``videos_<stamp>``;
2. read every published video, category and genre from the catalog (a service token), and
   fill the new collection; cast member names come from search's own state (viewers' API
   does not list them);
3. copy the synonyms, point the alias at the new collection (one atomic call) and drop the
   old one;
4. catch up: what the catalog's events changed since step 1 (they went to the old
   collection) is applied again to the new one from search's state.

Searches read the alias all along, so they answer from the old collection until the swap and
from the new one after it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import anyio
import httpx

from apis.search.documents import micros, state_key, view_document
from apis.search.index import TypesenseIndex
from apis.search.projection import rebuild_from_state

log = logging.getLogger("codeflix.search")
PAGE = 100


class CatalogUnavailable(Exception):
    """The catalog's API did not answer as expected."""


@dataclass(frozen=True)
class ReindexReport:
    collection: str
    previous: str | None
    documents: int
    caught_up: int
    seconds: float


async def _pages(catalog: httpx.AsyncClient, path: str) -> AsyncIterator[dict[str, Any]]:
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": PAGE}
        if cursor:
            params["cursor"] = cursor
        response = await catalog.get(path, params=params)
        if response.status_code != 200:
            raise CatalogUnavailable(
                f"GET {path} answered {response.status_code}: {response.text[:200]}"
            )
        body = response.json()
        for item in body["items"]:
            yield item
        cursor = body.get("next_cursor")
        if not cursor:
            return


async def catalog_names(catalog: httpx.AsyncClient) -> dict[str, str]:
    """Names of the active categories and genres, by state key."""
    names = {}
    async for category in _pages(catalog, "/api/v1/categories"):
        names[state_key("category", category["id"])] = category["name"]
    async for genre in _pages(catalog, "/api/v1/genres"):
        names[state_key("genre", genre["id"])] = genre["name"]
    return names


async def reindex(*, index: TypesenseIndex, catalog: httpx.AsyncClient) -> ReindexReport:
    """Fill a new collection from the catalog and swap the alias to it."""
    started = time.monotonic()
    since = micros_now()
    collection = await index.create_video_collection()
    try:
        names = {**await index.names_of(("cast_member",)), **await catalog_names(catalog)}
        batch: list[dict[str, Any]] = []
        documents = 0
        async for video in _pages(catalog, "/api/v1/videos"):
            batch.append(view_document(video, names, version=since))
            if len(batch) == 1000:
                documents += await index.import_videos(collection, batch)
                batch = []
        documents += await index.import_videos(collection, batch)
        previous = await index.alias_target()
        if previous is not None:
            for synonym in await index.synonyms(previous):
                body = {k: v for k, v in synonym.items() if k in ("synonyms", "root") and v}
                await index.put_synonym(synonym["id"], body, collection=collection)
    except BaseException:
        await index.drop_collection(collection)
        raise
    await index.point_alias(collection)
    caught_up = await rebuild_from_state(index, collection, applied_since=since)
    if previous is not None and previous != collection:
        # Searches that resolved the alias just before the swap finish on the old one.
        await anyio.sleep(1)
        await index.drop_collection(previous)
    report = ReindexReport(
        collection=collection,
        previous=previous,
        documents=documents,
        caught_up=caught_up,
        seconds=time.monotonic() - started,
    )
    log.info("search reindexed", extra={"collection": collection, "documents": documents})
    return report


def micros_now() -> int:
    return micros(datetime.now(UTC))
