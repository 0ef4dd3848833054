"""The one adapter to Typesense: every call of the ``typesense`` client lives here.

Two collections:

- the video collection, read through an alias (``videos`` → ``videos_<stamp>``) so a rebuild
  fills a new collection and swaps the alias in one step while searches keep answering;
- ``search_state``: what search knows of the catalog (every video's last state, the names of
  categories, genres and cast members, tombstones of deleted ones), each with the version of
  the event that wrote it, so an older event never overwrites newer data.
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx
import typesense
from typesense.exceptions import (
    ObjectAlreadyExists,
    ObjectNotFound,
    ObjectUnprocessable,
    RequestMalformed,
    TypesenseClientError,
)

from apis.search.fields import STATE_FIELDS, VIDEO_FIELDS


class SearchUnavailable(Exception):
    """Typesense cannot be reached or cannot answer now; trying again later may work."""


class SearchQueryError(ValueError):
    """Typesense refused a query as malformed (a bug of ours or an unsupported parameter)."""


_CALLER_ERRORS = (ObjectNotFound, ObjectAlreadyExists, ObjectUnprocessable, RequestMalformed)


def _unavailable(error: Exception) -> SearchUnavailable:
    return SearchUnavailable(f"Typesense did not answer: {type(error).__name__}: {error}"[:300])


class TypesenseIndex:
    """The search index on one Typesense server (or cluster, through its load balancer)."""

    def __init__(
        self,
        *,
        url: str,
        api_key: str,
        alias: str = "videos",
        state_collection: str = "search_state",
        timeout: float = 2.0,
    ) -> None:
        parts = urlsplit(url)
        node = {
            "host": parts.hostname or "127.0.0.1",
            "port": parts.port or (443 if parts.scheme == "https" else 80),
            "protocol": parts.scheme or "http",
            "path": parts.path.rstrip("/"),
        }
        self.url = url
        self.alias = alias
        self.state_collection = state_collection
        # No retries inside the client: a failure surfaces at once as a 503 (with
        # Retry-After) or as a bus retry, rather than holding the caller.
        config = {
            "nodes": [node],
            "api_key": api_key,
            "connection_timeout_seconds": timeout,
            "num_retries": 0,
            "retry_interval_seconds": 0.1,
            "suppress_deprecation_warnings": True,
        }
        with warnings.catch_warnings():
            # The client builds its v30+ analytics API eagerly and warns about it on every
            # construction; we do not use it.
            warnings.simplefilter("ignore", DeprecationWarning)
            self.client = typesense.AsyncClient(config)  # type: ignore[arg-type]

    async def close(self) -> None:
        await self.client.api_call.aclose()

    def _collection(self, name: str) -> Any:
        with warnings.catch_warnings():
            # The client warns once per collection object about v30+ APIs we do not use.
            warnings.simplefilter("ignore", DeprecationWarning)
            return self.client.collections[name]

    def _synonyms(self, name: str) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return self._collection(name).synonyms

    async def _call(self, coroutine: Any) -> Any:
        """Await a client call, turning "Typesense is not there" into SearchUnavailable."""
        try:
            return await coroutine
        except _CALLER_ERRORS:
            raise
        except (TypesenseClientError, httpx.HTTPError, OSError) as e:
            raise _unavailable(e) from e

    # -- health and collections -------------------------------------------------------------
    async def check(self) -> None:
        """For /readyz: Typesense answers and the video alias points at a collection."""
        try:
            health = await self.client.operations.is_healthy()
        except (TypesenseClientError, httpx.HTTPError, OSError) as e:
            raise _unavailable(e) from e
        if not health:
            raise SearchUnavailable("Typesense reports it is not healthy")
        if await self.alias_target() is None:
            raise SearchUnavailable(f"the collection alias {self.alias!r} is missing")

    async def alias_target(self) -> str | None:
        try:
            alias = await self._call(self.client.aliases[self.alias].retrieve())
        except ObjectNotFound:
            return None
        return str(alias["collection_name"])

    async def create_video_collection(self, name: str | None = None) -> str:
        """A new, empty video collection (not yet behind the alias); returns its name."""
        name = name or f"{self.alias}_{time.time_ns()}"
        schema = {
            "name": name,
            "fields": VIDEO_FIELDS,
            "default_sorting_field": "created_at",
        }
        await self._call(self.client.collections.create(schema))  # type: ignore[arg-type]
        return name

    async def point_alias(self, collection: str) -> str | None:
        """Point the alias at ``collection`` atomically; returns the collection it left."""
        previous = await self.alias_target()
        await self._call(self.client.aliases.upsert(self.alias, {"collection_name": collection}))
        return previous

    async def drop_collection(self, name: str) -> None:
        try:
            await self._call(self._collection(name).delete())
        except ObjectNotFound:
            pass

    async def ensure_collections(self) -> bool:
        """Create the state collection and the video alias when missing.

        Returns True when the video collection had to be created (it is empty then).
        """
        try:
            await self._call(self._collection(self.state_collection).retrieve())
        except ObjectNotFound:
            schema = {"name": self.state_collection, "fields": STATE_FIELDS}
            try:
                await self._call(self.client.collections.create(schema))  # type: ignore[arg-type]
            except ObjectAlreadyExists:
                pass  # another replica was first
        if await self.alias_target() is not None:
            return False
        await self.point_alias(await self.create_video_collection())
        return True

    # -- state -------------------------------------------------------------------------------
    async def get_state(self, key: str) -> dict[str, Any] | None:
        try:
            doc = await self._call(
                self._collection(self.state_collection).documents[key].retrieve()
            )
        except ObjectNotFound:
            return None
        return dict(doc)

    async def get_states(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The state records of ``keys`` that exist, by key."""
        found: dict[str, dict[str, Any]] = {}
        unique = sorted(set(keys))
        for start in range(0, len(unique), 100):
            chunk = unique[start : start + 100]
            ids = ",".join(f"`{k}`" for k in chunk)
            result = await self._call(
                self._collection(self.state_collection).documents.search(
                    {"q": "*", "filter_by": f"key:=[{ids}]", "per_page": len(chunk)}
                )
            )
            for hit in result["hits"]:
                found[hit["document"]["key"]] = dict(hit["document"])
        return found

    async def put_state(self, record: dict[str, Any]) -> None:
        record = {**record, "applied_at": time.time_ns() // 1000}
        await self._call(self._collection(self.state_collection).documents.upsert(record))

    async def states_of_kind(
        self, kinds: Sequence[str], *, applied_since: int = 0
    ) -> list[dict[str, Any]]:
        filter_by = f"kind:=[{','.join(kinds)}] && applied_at:>={applied_since}"
        exported = await self._call(
            self._collection(self.state_collection).documents.export({"filter_by": filter_by})
        )
        return [json.loads(line) for line in exported.splitlines() if line.strip()]

    async def names_of(self, kinds: Sequence[str]) -> dict[str, str]:
        """Names of every live (not deleted, active) record of ``kinds``, by state key."""
        filter_by = f"kind:=[{','.join(kinds)}] && deleted:=false"
        exported = await self._call(
            self._collection(self.state_collection).documents.export({"filter_by": filter_by})
        )
        names: dict[str, str] = {}
        for line in exported.splitlines():
            if line.strip():
                record = json.loads(line)
                if record.get("active", True) and "name" in record:
                    names[record["key"]] = record["name"]
        return names

    # -- video documents ---------------------------------------------------------------------
    async def upsert_video(self, document: dict[str, Any], collection: str | None = None) -> None:
        await self._call(self._collection(collection or self.alias).documents.upsert(document))

    async def delete_video(self, video_id: str) -> None:
        try:
            await self._call(self._collection(self.alias).documents[video_id].delete())
        except ObjectNotFound:
            pass

    async def delete_video_from(self, collection: str, video_id: str) -> None:
        try:
            await self._call(self._collection(collection).documents[video_id].delete())
        except ObjectNotFound:
            pass

    async def videos_where(
        self, filter_by: str, collection: str | None = None
    ) -> list[dict[str, Any]]:
        exported = await self._call(
            self._collection(collection or self.alias).documents.export({"filter_by": filter_by})
        )
        return [json.loads(line) for line in exported.splitlines() if line.strip()]

    async def import_videos(self, collection: str, documents: Iterable[dict[str, Any]]) -> int:
        """Upsert documents in bulk into ``collection``; returns how many were written."""
        batch = list(documents)
        if not batch:
            return 0
        results = await self._call(
            self._collection(collection).documents.import_(
                batch,
                {"action": "upsert"},
            )
        )
        failed = [r for r in results if not r.get("success")]
        if failed:
            raise SearchUnavailable(f"{len(failed)} documents were refused: {failed[0]}"[:300])
        return len(batch)

    async def count(self, collection: str | None = None) -> int:
        info = await self._call(self._collection(collection or self.alias).retrieve())
        return int(info["num_documents"])

    # -- queries -----------------------------------------------------------------------------
    async def search(self, parameters: dict[str, Any]) -> dict[str, Any]:
        try:
            result = await self._call(self._collection(self.alias).documents.search(parameters))
        except (RequestMalformed, ObjectNotFound) as e:
            raise SearchQueryError(str(e)) from e
        return dict(result)

    # -- synonyms ----------------------------------------------------------------------------
    async def synonyms(self, collection: str | None = None) -> list[dict[str, Any]]:
        result = await self._call(self._synonyms(collection or self.alias).retrieve())
        return [dict(s) for s in result["synonyms"]]

    async def put_synonym(
        self, synonym_id: str, body: dict[str, Any], collection: str | None = None
    ) -> dict[str, Any]:
        result = await self._call(self._synonyms(collection or self.alias).upsert(synonym_id, body))
        return dict(result)

    async def delete_synonym(self, synonym_id: str) -> bool:
        try:
            await self._call(self._synonyms(self.alias)[synonym_id].delete())
        except ObjectNotFound:
            return False
        return True
