"""A running catalog app for tests: its client, admin and viewer headers, and its events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from apis.catalog.app import create_app
from apis.catalog.config import CatalogSettings
from codeflix.auth import InvalidToken, Principal, Verifier
from codeflix.events import Envelope

ADMIN = {"Authorization": "Bearer catalog-admin"}
VIEWER = {"Authorization": "Bearer viewer"}


class FakeTokenVerifier:
    """Tokens are role names: ``catalog-admin`` or ``viewer``; anything else is invalid."""

    async def verify(self, token: str) -> Principal:
        if token == "catalog-admin":
            return Principal(subject="admin-1", roles=frozenset({"catalog-admin", "user"}))
        if token == "viewer":
            return Principal(subject="viewer-1", roles=frozenset({"user"}))
        raise InvalidToken("unknown test token")


def catalog_settings(
    data_dir: Path, database_url: str | None = None, **extra: Any
) -> CatalogSettings:
    values = {
        "data_dir": data_dir,
        "database_url": database_url or f"sqlite+aiosqlite:///{data_dir / 'catalog.db'}",
        "storage_url": f"file://{data_dir / 'media'}",
        **extra,
    }
    return CatalogSettings(**values)


@dataclass
class CatalogHarness:
    app: FastAPI
    client: httpx.AsyncClient
    admin: dict[str, str]
    viewer: dict[str, str]
    events: list[Envelope] = field(default_factory=list)

    async def wait_for_event(
        self, predicate: Callable[[Envelope], bool], within: float = 10
    ) -> Envelope:
        """The first published event matching ``predicate`` (the outbox relays them)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while loop.time() < deadline:
            for envelope in self.events:
                if predicate(envelope):
                    return envelope
            await asyncio.sleep(0.02)
        raise AssertionError(f"no matching event among {[e.type for e in self.events]}")

    async def upload(
        self, video_id: str, data: bytes, kind: str = "video", **params: str
    ) -> httpx.Response:
        """Send ``data`` as the video's ``kind`` through tus in two PATCHes (``params`` go in
        the creation's query, e.g. a subtitle's language and label)."""
        tus = {**self.admin, "Tus-Resumable": "1.0.0"}
        created = await self.client.post(
            f"/api/v1/admin/videos/{video_id}/uploads",
            params={"kind": kind, **params},
            headers={**tus, "Upload-Length": str(len(data))},
        )
        assert created.status_code == 201, created.text
        half, response = len(data) // 2, created
        for offset, piece in ((0, data[:half]), (half, data[half:])):
            response = await self.client.patch(
                created.headers["location"],
                content=piece,
                headers={
                    **tus,
                    "Upload-Offset": str(offset),
                    "Content-Type": "application/offset+octet-stream",
                },
            )
        return response

    async def video(self, video_id: str) -> dict[str, Any]:
        response = await self.client.get(f"/api/v1/admin/videos/{video_id}", headers=self.admin)
        return dict(response.json())

    async def create(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.client.post(f"/api/v1/admin/{path}", json=body, headers=self.admin)
        assert response.status_code == 201, response.text
        return dict(response.json())


@asynccontextmanager
async def running_catalog(
    settings: CatalogSettings,
    *,
    verifier: Verifier | None = None,
    admin: dict[str, str] = ADMIN,
    viewer: dict[str, str] = VIEWER,
    base_url: str = "http://catalog.test",
) -> AsyncIterator[CatalogHarness]:
    """Start the catalog app (migrations, bus, relay) and record every event it publishes."""
    app = create_app(settings, verifier=verifier or FakeTokenVerifier())
    async with app.router.lifespan_context(app):
        harness = CatalogHarness(
            app=app,
            client=httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url),
            admin=admin,
            viewer=viewer,
        )

        async def record(envelope: Envelope) -> None:
            harness.events.append(envelope)

        await app.state.bus.subscribe("tests.catalog", ["#"], record)
        async with harness.client:
            yield harness


Recorder = Callable[[Envelope], Awaitable[None]]
