"""The admin console's live stream (Server-Sent Events) from a catalog under a real uvicorn."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from apis.catalog.app import create_app
from tests.integration.catalog.test_media_lifecycle import COMPLETED, encoding_event
from tests.support.catalog import catalog_settings
from tests.support.identity import IdentityHarness
from tests.support.serving import serving
from tests.support.uploads import demo_clip

VIDEO = {"title": "Tears of Steel", "launch_year": 2012, "duration": 12, "rating": "12"}
EVENTS = "/api/v1/admin/videos/events"


class Stream:
    """An open SSE response read event by event (comments kept apart)."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.lines = response.aiter_lines()
        self.comments: list[str] = []

    async def next(self, within: float = 10) -> dict[str, Any]:
        """The next event as ``{"id", "event", "data"}``."""
        return await asyncio.wait_for(self._next(), within)

    async def _next(self) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        async for line in self.lines:
            if line.startswith(":"):
                self.comments.append(line[1:].strip())
            elif line:
                name, _, value = line.partition(": ")
                fields[name] = value
            elif fields:
                return {**fields, "data": json.loads(fields["data"])}
        raise EOFError("the stream ended")

    async def until(self, event: str, **data: Any) -> dict[str, Any]:
        while True:
            found = await self.next()
            if found["event"] == event and all(found["data"][k] == v for k, v in data.items()):
                return found


@asynccontextmanager
async def live_catalog(
    tmp_path: Path, identity: IdentityHarness, **settings: Any
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = create_app(catalog_settings(tmp_path, **settings), verifier=identity.verifier)
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=30) as client:
        yield app, client


@asynccontextmanager
async def open_stream(
    client: httpx.AsyncClient, headers: dict[str, str], **params: str
) -> AsyncIterator[Stream]:
    async with client.stream("GET", EVENTS, params=params, headers=headers) as response:
        assert response.status_code == 200
        yield Stream(response)


async def upload(client: httpx.AsyncClient, admin: dict[str, str], video_id: str) -> None:
    data, tus = demo_clip().read_bytes(), {**admin, "Tus-Resumable": "1.0.0"}
    created = await client.post(
        f"/api/v1/admin/videos/{video_id}/uploads",
        params={"kind": "video"},
        headers={**tus, "Upload-Length": str(len(data))},
    )
    assert created.status_code == 201, created.text
    patched = await client.patch(
        created.headers["location"],
        content=data,
        headers={**tus, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
    )
    assert patched.status_code == 204, patched.text


async def test_status_changes_and_progress_arrive_as_they_happen(
    tmp_path: Path, identity: IdentityHarness
) -> None:
    admin = identity.headers(roles=["catalog-admin"])
    async with live_catalog(tmp_path, identity) as (app, client):
        video = (await client.post("/api/v1/admin/videos", json=VIDEO, headers=admin)).json()
        other = (await client.post("/api/v1/admin/videos", json=VIDEO, headers=admin)).json()
        async with (
            open_stream(client, admin, video_id=video["id"]) as one,
            open_stream(client, identity.headers(roles=["admin"])) as every,
        ):
            assert one.response.headers["content-type"].startswith("text/event-stream")
            assert one.response.headers["cache-control"] == "no-store"
            await upload(client, admin, video["id"])
            processing = await one.until("media", kind="video", status="processing")
            assert processing["data"] == {
                "video_id": video["id"], "kind": "video", "status": "processing", "error": None
            }  # fmt: skip
            now, bus = datetime.now(UTC) + timedelta(seconds=1), app.state.bus
            for event in (
                encoding_event(
                    "video.encoding.progressed", other["id"], now,
                    chunks_done=1, chunks_total=4, percent=25.0, eta_seconds=30.0,
                ),
                encoding_event(
                    "video.encoding.progressed", video["id"], now,
                    chunks_done=1, chunks_total=2, percent=50.0, eta_seconds=4.5,
                ),
                encoding_event(
                    "video.encoding.completed", video["id"], now + timedelta(seconds=1),
                    **COMPLETED,
                ),
            ):  # fmt: skip
                await bus.publish(event)
            progress = await one.next()
            assert progress["event"] == "progress"  # the other video's report is not here
            assert progress["data"] == {
                "video_id": video["id"], "kind": "video", "percent": 50.0, "eta_seconds": 4.5
            }  # fmt: skip
            ready = await one.until("media", kind="video", status="ready")
            assert int(processing["id"]) < int(progress["id"]) < int(ready["id"])
            # The unfiltered stream saw both videos.
            seen = await every.until("progress", video_id=other["id"])
            assert seen["data"]["percent"] == 25.0
            await every.until("media", video_id=video["id"], status="ready")


async def test_keep_alive_disconnects_and_slow_clients(
    tmp_path: Path, identity: IdentityHarness
) -> None:
    admin = identity.headers(roles=["catalog-admin"])
    async with live_catalog(tmp_path, identity, live_keepalive_seconds=0.2) as (app, client):
        broadcaster = app.state.broadcaster
        async with open_stream(client, admin) as stream:
            with pytest.raises(TimeoutError):
                await stream.next(within=0.7)
            assert stream.comments[0] == "connected" and "keep-alive" in stream.comments
            assert len(broadcaster.subscribers) == 1
        # The client went away: its subscription goes with it.
        for _ in range(100):
            if not broadcaster.subscribers:
                break
            await asyncio.sleep(0.05)
        assert not broadcaster.subscribers


async def test_the_stream_lasts_no_longer_than_its_token(
    tmp_path: Path, identity: IdentityHarness
) -> None:
    async with live_catalog(tmp_path, identity, live_keepalive_seconds=0.5) as (_, client):
        short = identity.headers(roles=["catalog-admin"], lifetime_seconds=3)
        async with open_stream(client, short) as stream:
            loop = asyncio.get_running_loop()
            started = loop.time()
            with pytest.raises(EOFError):
                await stream.next(within=8)
            assert 1 < loop.time() - started < 5  # exp is in whole seconds
            assert "keep-alive" in stream.comments  # it was alive until then


async def test_the_stream_ends_when_the_platform_is_stopped(
    tmp_path: Path, identity: IdentityHarness
) -> None:
    admin = identity.headers(roles=["catalog-admin"])
    app = create_app(catalog_settings(tmp_path), verifier=identity.verifier)
    with harmless_sigterm():
        async with serving(app) as base, httpx.AsyncClient(base_url=base) as client:
            async with open_stream(client, admin) as stream:
                await asyncio.sleep(0.1)
                os.kill(os.getpid(), signal.SIGTERM)  # what Ctrl-C or Kubernetes sends
                with pytest.raises(EOFError):
                    await stream.next(within=5)


@contextmanager
def harmless_sigterm() -> Iterator[None]:
    """uvicorn passes a SIGTERM it handled on to the handler before it: not this test run."""
    previous = signal.signal(signal.SIGTERM, lambda *_: None)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


async def test_careless_and_hostile_stream_requests(
    tmp_path: Path, identity: IdentityHarness
) -> None:
    async with live_catalog(tmp_path, identity) as (_, client):
        admin = identity.headers(roles=["catalog-admin"])
        for headers, status in (
            ({}, 401),
            (identity.headers(roles=["user"]), 403),
            (identity.headers(roles=["subscription-admin"]), 403),
        ):
            response = await client.get(EVENTS, headers=headers)
            assert response.status_code == status
            assert response.headers["content-type"] == "application/problem+json"
        unknown = await client.get(EVENTS, params={"video_id": str(uuid.uuid4())}, headers=admin)
        assert unknown.status_code == 404
        for bad in ("not-a-uuid", "", "1 OR 1=1"):
            response = await client.get(EVENTS, params={"video_id": bad}, headers=admin)
            assert response.status_code == 422, bad
            assert response.json()["errors"][0]["loc"] == ["query", "video_id"]
