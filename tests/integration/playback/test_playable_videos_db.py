"""Events to grants on both databases playback runs on: SQLite (embedded) and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from apis.playback.app import create_app
from apis.playback.config import get_settings
from apis.playback.consumers import VideoEventsConsumer
from codeflix.events import Envelope, new_event
from tests.support.identity import IdentityHarness
from tests.support.playback import EveryoneEntitled

NOW = datetime.now(UTC).isoformat()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'playback.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def app(
    database_url: str, tmp_path: Path, identity: IdentityHarness
) -> AsyncIterator[FastAPI]:
    settings = get_settings(data_dir=tmp_path, database_url=database_url)
    application = create_app(settings, verifier=identity.verifier, entitlements=EveryoneEntitled())
    async with application.router.lifespan_context(application):
        yield application


def video_updated(video_id: str, *, published: bool, ready: bool) -> Envelope:
    media = {"status": "ready", "encoded_location": f"videos/{video_id}/hls/master.m3u8"}
    data = {
        "id": video_id, "created_at": NOW, "updated_at": NOW, "title": "Sintel",
        "launch_year": 2010, "duration": 15, "rating": "12", "opened": True,
        "published": published, "categories": [], "genres": [], "cast_members": [],
        "media": {"video": media if ready else {"status": "processing"}},
    }  # fmt: skip
    return new_event("video.updated", data, subject=video_id, producer="catalog")


async def test_events_make_a_video_grantable_and_redeliveries_change_nothing(
    app: FastAPI, identity: IdentityHarness
) -> None:
    consumer = VideoEventsConsumer(app.state.playback.sessions)
    video_id = str(uuid.uuid4())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://playback.test") as client:

        async def grant_status() -> int:
            url = f"/api/v1/playback/{video_id}"
            return (await client.post(url, headers=identity.headers())).status_code

        await consumer.handle(video_updated(video_id, published=True, ready=False))
        assert await grant_status() == 404
        ready = video_updated(video_id, published=True, ready=True)
        await consumer.handle(ready)
        assert await grant_status() == 200
        unpublished = video_updated(video_id, published=False, ready=True)
        await consumer.handle(unpublished)
        assert await grant_status() == 404
        await consumer.handle(ready)  # redelivered: already applied, no second effect
        assert await grant_status() == 404
        assert (await client.get("/readyz")).status_code == 200


async def test_continue_watching_on_both_databases(app: FastAPI, identity: IdentityHarness) -> None:
    consumer = VideoEventsConsumer(app.state.playback.sessions)
    videos = [str(uuid.uuid4()) for _ in range(3)]
    for video_id in videos:
        await consumer.handle(video_updated(video_id, published=True, ready=True))
    transport = httpx.ASGITransport(app=app)
    headers = identity.headers()
    async with httpx.AsyncClient(transport=transport, base_url="http://playback.test") as client:
        for video_id, position in zip(videos, (10.0, 30.0, 99.0), strict=True):
            body = {"position_seconds": position, "duration_seconds": 100.0}
            saved = await client.put(
                f"/api/v1/playback/{video_id}/progress", json=body, headers=headers
            )
            assert saved.status_code == 200, saved.text
            await asyncio.sleep(0.01)  # distinct update times
        row = await client.get("/api/v1/me/continue-watching", headers=headers, params={"limit": 1})
        page = row.json()
        assert [i["video_id"] for i in page["items"]] == [videos[1]]  # the 99 % one is done
        rest = await client.get(
            "/api/v1/me/continue-watching",
            headers=headers,
            params={"limit": 1, "cursor": page["next_cursor"]},
        )
        assert [i["video_id"] for i in rest.json()["items"]] == [videos[0]]
        assert rest.json()["next_cursor"] is None
