"""Admin previews: any encoded video, published or not, the whole ladder, no subscription."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI

from apis.playback.app import create_app
from apis.playback.config import get_settings
from apis.playback.consumers import VideoEventsConsumer
from codeflix.events import Envelope, new_event
from tests.integration.playback.conftest import RUNGS, upload_tree
from tests.support.identity import IdentityHarness


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'playback.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def client(
    database_url: str, tmp_path: Path, identity: IdentityHarness
) -> AsyncIterator[httpx.AsyncClient]:
    # The real entitlement policy: nobody here has a subscription.
    settings = get_settings(data_dir=tmp_path, database_url=database_url)
    app = create_app(settings, verifier=identity.verifier)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://pb.test") as http:
            http.app = app  # type: ignore[attr-defined]
            yield http


def catalog_event(video_id: str, *, published: bool, status: str, at: datetime) -> Envelope:
    media = {"status": status}
    if status == "ready":
        media["encoded_location"] = f"videos/{video_id}/hls/master.m3u8"
    data = {
        "id": video_id, "created_at": at, "updated_at": at, "title": "Sintel",
        "launch_year": 2010, "duration": 15, "rating": "18", "opened": True,
        "published": published, "categories": [], "genres": [], "cast_members": [],
        "media": {"video": media},
    }  # fmt: skip
    event = new_event("video.updated", data, subject=video_id, producer="catalog")
    return event.model_copy(update={"occurred_at": at})


def completed(video_id: str, at: datetime) -> Envelope:
    prefix = f"videos/{video_id}/hls"
    renditions = [
        {"name": name, "width": w, "height": h, "bandwidth": 400_000, "codecs": "avc1.64001e",
         "playlist": f"{name}/index.m3u8"}
        for name, (w, h) in RUNGS.items()
    ]  # fmt: skip
    data = {
        "video_id": video_id, "hls_prefix": prefix, "master_playlist_key": f"{prefix}/master.m3u8",
        "duration_seconds": 6.0, "renditions": renditions, "poster_key": f"{prefix}/poster.jpg",
        "thumbnails_key": f"{prefix}/thumbnails.vtt", "chunks_total": 2, "chunks_encoded": 2,
    }  # fmt: skip
    event = new_event("video.encoding.completed", data, subject=video_id, producer="encoder")
    return event.model_copy(update={"occurred_at": at})


def grant_url(video_id: str) -> str:
    return f"/api/v1/admin/playback/{video_id}"


async def test_an_admin_previews_an_unpublished_video_on_every_rung(
    client: httpx.AsyncClient, identity: IdentityHarness, hls_tree: Path
) -> None:
    app: FastAPI = client.app  # type: ignore[attr-defined]
    consumer = VideoEventsConsumer(app.state.playback.sessions)
    video_id, start = str(uuid.uuid4()), datetime.now(UTC)
    store = app.state.playback.edge.store
    await asyncio.to_thread(upload_tree, store, hls_tree, f"videos/{video_id}/hls")
    await consumer.handle(catalog_event(video_id, published=False, status="ready", at=start))
    await consumer.handle(completed(video_id, start + timedelta(seconds=1)))

    # Viewers see nothing: it is not published.
    viewer = await client.post(f"/api/v1/playback/{video_id}", headers=identity.headers())
    assert viewer.status_code == 404
    for roles in (["catalog-admin"], ["admin"]):
        response = await client.post(grant_url(video_id), headers=identity.headers(roles=roles))
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store"
        grant = response.json()
        assert set(grant) >= {"manifest_url", "expires_at", "thumbnails_url", "poster_url"}
        assert grant["max_height"] is None
        master_path = urlsplit(grant["manifest_url"]).path
        master = await client.get(master_path)
        assert master.status_code == 200 and master.text.startswith("#EXTM3U")
        # Every rung opens under the same grant, the tallest too.
        for name in RUNGS:
            rung = await client.get(master_path.replace("master.m3u8", f"{name}/index.m3u8"))
            assert rung.status_code == 200, name
        poster = await client.get(urlsplit(grant["poster_url"]).path)
        assert poster.status_code == 200 and poster.content.startswith(b"\xff\xd8")
        assert (await client.get(urlsplit(grant["thumbnails_url"]).path)).status_code == 200


async def test_no_preview_of_what_is_not_encoded_or_gone(
    client: httpx.AsyncClient, identity: IdentityHarness
) -> None:
    app: FastAPI = client.app  # type: ignore[attr-defined]
    consumer = VideoEventsConsumer(app.state.playback.sessions)
    admin = identity.headers(roles=["catalog-admin"])
    start = datetime.now(UTC)
    processing, failed, deleted = (str(uuid.uuid4()) for _ in range(3))
    await consumer.handle(catalog_event(processing, published=True, status="processing", at=start))
    await consumer.handle(catalog_event(failed, published=False, status="failed", at=start))
    await consumer.handle(catalog_event(deleted, published=False, status="ready", at=start))
    gone = {"id": deleted}
    await consumer.handle(
        new_event("video.deleted", gone, subject=deleted, producer="catalog").model_copy(
            update={"occurred_at": start + timedelta(seconds=1)}
        )
    )
    for video_id in (processing, failed, deleted, str(uuid.uuid4()), "not-a-uuid", "%00"):
        response = await client.post(grant_url(video_id), headers=admin)
        assert response.status_code == 404, video_id
        assert response.headers["content-type"] == "application/problem+json"


async def test_only_catalog_admins_preview(
    client: httpx.AsyncClient, identity: IdentityHarness
) -> None:
    app: FastAPI = client.app  # type: ignore[attr-defined]
    consumer = VideoEventsConsumer(app.state.playback.sessions)
    video_id = str(uuid.uuid4())
    await consumer.handle(
        catalog_event(video_id, published=True, status="ready", at=datetime.now(UTC))
    )
    for roles in (["user"], ["subscription-admin", "user"]):
        response = await client.post(grant_url(video_id), headers=identity.headers(roles=roles))
        assert response.status_code == 403, roles
        assert response.headers["content-type"] == "application/problem+json"
    assert (await client.post(grant_url(video_id))).status_code == 401
    bad = await client.post(grant_url(video_id), headers={"Authorization": "Bearer forged"})
    assert bad.status_code == 401
