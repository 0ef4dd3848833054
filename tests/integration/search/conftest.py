"""One real Typesense server (the binary `codeflix up` runs) for the search tests."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from apis.search.app import create_app
from apis.search.config import SearchSettings, get_settings
from apis.search.index import TypesenseIndex
from codeflix.bus import InMemoryBus
from codeflix.events import Envelope, new_event
from codeflix.platform import Platform
from codeflix.storage import ObjectStore
from codeflix.typesense_server import TypesenseServer
from tests.conftest import unique_name
from tests.support.identity import IdentityHarness

API_KEY = "search-tests-key"


@pytest.fixture(scope="session")
def typesense_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TypesenseServer]:
    """Started once from the main thread (the parent-death signal follows the forking
    thread); tests isolate themselves with collections of their own."""
    server = TypesenseServer(Path(tmp_path_factory.mktemp("typesense")), api_key=API_KEY)
    server.start()
    server.wait_healthy()
    yield server
    server.stop()


# -- the search service against that server ---------------------------------------------------


T0 = datetime(2026, 1, 1, tzinfo=UTC)


def video_state(video_id: str | None = None, **changes: Any) -> dict[str, Any]:
    """The data of a ``video.created``/``video.updated`` event."""
    state: dict[str, Any] = {
        "id": video_id or str(uuid.uuid4()),
        "created_at": T0.isoformat(),
        "updated_at": T0.isoformat(),
        "title": "Untitled",
        "description": None,
        "launch_year": 2008,
        "duration": 10,
        "rating": "L",
        "opened": False,
        "published": True,
        "categories": [],
        "genres": [],
        "cast_members": [],
        "media": {
            "video": {
                "status": "ready",
                "raw_location": "raw/x",
                "encoded_location": "videos/x/hls/master.m3u8",
                "duration_seconds": 596.5,
                "poster": "videos/x/hls/poster.jpg",
            }
        },
    }
    state.update(changes)
    return state


def ref_state(ref_id: str, name: str, **extra: Any) -> dict[str, Any]:
    return {"id": ref_id, "created_at": T0.isoformat(), "updated_at": T0.isoformat(),
            "name": name, **extra}  # fmt: skip


@dataclass
class SearchHarness:
    app: FastAPI
    bus: InMemoryBus
    settings: SearchSettings
    identity: IdentityHarness
    clock: list[datetime] = field(default_factory=lambda: [T0])

    @property
    def index(self) -> TypesenseIndex:
        return self.app.state.search.ready_index()  # type: ignore[no-any-return]

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://search"
        )

    def viewer(self) -> dict[str, str]:
        return self.identity.headers()

    def admin(self) -> dict[str, str]:
        return self.identity.headers(roles=["user", "catalog-admin"])

    def event(self, type_: str, data: dict[str, Any], *, at: datetime | None = None) -> Envelope:
        """An event of the catalog; each one a second after the last unless ``at`` says."""
        if at is None:
            self.clock[0] += timedelta(seconds=1)
            at = self.clock[0]
        envelope = new_event(type_, data, subject=data["id"], producer="catalog")
        return envelope.model_copy(update={"occurred_at": at})

    async def publish(self, *envelopes: Envelope) -> None:
        for envelope in envelopes:
            await self.bus.publish(envelope)
        await self.bus.join()

    async def send(self, type_: str, data: dict[str, Any], **kw: Any) -> Envelope:
        envelope = self.event(type_, data, **kw)
        await self.publish(envelope)
        return envelope

    async def search(self, **params: Any) -> dict[str, Any]:
        async with self.client() as client:
            response = await client.get("/api/v1/search", params=params, headers=self.viewer())
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    async def titles(self, q: str, **params: Any) -> list[str]:
        return [hit["title"] for hit in (await self.search(q=q, **params))["items"]]


def search_settings(server: TypesenseServer, tmp_path: Path, **overrides: Any) -> SearchSettings:
    return get_settings(
        data_dir=tmp_path,
        typesense_url=server.url,
        typesense_api_key=server.api_key,
        search_collection=unique_name("videos"),
        search_state_collection=unique_name("state"),
        **overrides,
    )


@asynccontextmanager
async def running_search(
    settings: SearchSettings, identity: IdentityHarness, tmp_path: Path
) -> AsyncIterator[SearchHarness]:
    bus = InMemoryBus()
    platform = Platform(settings=settings, store=ObjectStore(f"file://{tmp_path}/media"), bus=bus)
    app = create_app(settings, platform=platform, verifier=identity.verifier)
    await bus.start()
    try:
        async with app.router.lifespan_context(app):
            yield SearchHarness(app=app, bus=bus, settings=settings, identity=identity)
    finally:
        await bus.close()


@pytest.fixture
async def search(
    typesense_server: TypesenseServer, identity: IdentityHarness, tmp_path: Path
) -> AsyncIterator[SearchHarness]:
    """The search app on the session's Typesense, with collections of its own and an
    in-process bus to publish the catalog's events on."""
    settings = search_settings(typesense_server, tmp_path)
    async with running_search(settings, identity, tmp_path) as harness:
        yield harness
