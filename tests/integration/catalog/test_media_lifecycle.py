"""A master's life: uploaded, encoded by the worker (or refused), as the admin API shows it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from actors.encoder_runtime import build_worker
from actors.encoder_settings import get_settings as encoder_settings
from codeflix.events import Envelope, new_event
from tests.support.catalog import CatalogHarness, catalog_settings, running_catalog
from tests.support.uploads import demo_clip

VIDEO = {"title": "Big Buck Bunny", "launch_year": 2008, "duration": 1, "rating": "L"}


async def uploaded_video(catalog: CatalogHarness, *, published: bool = False) -> dict:
    video = await catalog.create("videos", {**VIDEO, "published": published})
    response = await catalog.upload(video["id"], demo_clip().read_bytes())
    assert response.status_code == 204, response.text
    return await catalog.video(video["id"])


def encoding_event(type_: str, video_id: str, at: datetime, **data: object) -> Envelope:
    event = new_event(type_, {"video_id": video_id, **data}, subject=video_id, producer="encoder")
    return event.model_copy(update={"occurred_at": at})


async def settled(catalog: CatalogHarness, video_id: str, status: str, within: float = 10) -> dict:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        video = await catalog.video(video_id)
        if video["media"]["video"]["status"] == status:
            return video
        await asyncio.sleep(0.05)
    raise AssertionError(f"the video stayed {video['media']['video']}")


COMPLETED = {
    "hls_prefix": "videos/x/hls",
    "master_playlist_key": "videos/x/hls/master.m3u8",
    "duration_seconds": 5.3,
    "renditions": [
        {"name": "144p", "width": 256, "height": 144, "bandwidth": 200000,
         "codecs": "avc1.42c01e", "playlist": "144p/index.m3u8"}
    ],
    "poster_key": "videos/x/hls/poster.jpg",
    "thumbnails_key": "videos/x/hls/thumbnails.vtt",
    "chunks_total": 2,
    "chunks_encoded": 2,
}  # fmt: skip


async def test_encoding_events_move_the_slot_once_and_in_order(catalog: CatalogHarness) -> None:
    video = await uploaded_video(catalog)
    video_id, bus = video["id"], catalog.app.state.bus
    assert video["media"]["video"]["status"] == "processing"
    now = datetime.now(UTC) + timedelta(seconds=1)
    completed = encoding_event("video.encoding.completed", video_id, now, **COMPLETED)
    await bus.publish(completed)
    ready = await settled(catalog, video_id, "ready")
    slot = ready["media"]["video"]
    assert slot["encoded_location"] == "videos/x/hls/master.m3u8"
    assert slot["duration_seconds"] == 5.3 and slot["renditions"][0]["height"] == 144
    assert slot["poster"] == "videos/x/hls/poster.jpg"
    updated = await catalog.wait_for_event(
        lambda e: e.type == "video.updated" and e.data["media"]["video"]["status"] == "ready"
    )
    assert updated.subject == video_id
    # A late progress report and a redelivered failure from before change nothing.
    late = encoding_event(
        "video.encoding.progressed", video_id, now - timedelta(seconds=0.5),
        chunks_done=1, chunks_total=2, percent=50.0,
    )  # fmt: skip
    await bus.publish(late)
    await bus.publish(completed)
    await bus.join()
    assert (await catalog.video(video_id))["media"]["video"] == slot
    failed = encoding_event(
        "video.encoding.failed", video_id, now + timedelta(seconds=1),
        reason="zero_duration", message="the master lasts no time",
    )  # fmt: skip
    await bus.publish(failed)
    failed_video = await settled(catalog, video_id, "failed")
    assert failed_video["media"]["video"]["error"] == "zero_duration: the master lasts no time"
    unknown = encoding_event("video.encoding.started", "not-a-uuid", now, attempt=1)
    await bus.publish(unknown)
    await bus.join()
    assert await bus.dead_letters("catalog.encoding") == []


async def test_a_playable_master_is_watchable_while_it_encodes(catalog: CatalogHarness) -> None:
    video = await uploaded_video(catalog, published=True)
    video_id, bus = video["id"], catalog.app.state.bus
    now = datetime.now(UTC) + timedelta(seconds=1)
    keys = ("hls_prefix", "master_playlist_key", "duration_seconds", "renditions")
    stream = {key: COMPLETED[key] for key in keys}
    await bus.publish(encoding_event("video.encoding.playable", video_id, now, **stream))
    playable = (await settled(catalog, video_id, "playable"))["media"]["video"]
    assert playable["encoded_location"] == "videos/x/hls/master.m3u8"
    assert playable["renditions"][0]["height"] == 144 and playable["duration_seconds"] == 5.3
    viewed = await catalog.client.get(f"/api/v1/videos/{video_id}", headers=catalog.viewer)
    assert viewed.json()["media"]["video"]["status"] == "playable"
    # Other services read version 1 of video.updated: processing, with the master to play.
    told = await catalog.wait_for_event(
        lambda e: e.type == "video.updated" and e.data["media"]["video"]["encoded_location"]
    )
    assert told.data["media"]["video"]["status"] == "processing"
    # The encode goes on: progress keeps the stream playable, completion makes it ready.
    progressed = encoding_event(
        "video.encoding.progressed", video_id, now + timedelta(seconds=1),
        chunks_done=1, chunks_total=2, percent=50.0,
    )  # fmt: skip
    await bus.publish(progressed)
    await bus.join()
    assert (await catalog.video(video_id))["media"]["video"]["status"] == "playable"
    stats = await catalog.client.get("/api/v1/admin/catalog/stats", headers=catalog.admin)
    assert stats.json()["videos_by_media_status"]["playable"] == 1
    assert stats.json()["encodes"]["running"] == 1
    completed = encoding_event(
        "video.encoding.completed", video_id, now + timedelta(seconds=2), **COMPLETED
    )
    await bus.publish(completed)
    ready = await settled(catalog, video_id, "ready")
    assert ready["media"]["video"]["poster"] == "videos/x/hls/poster.jpg"


async def test_the_encoder_makes_an_uploaded_master_ready(tmp_path: Path, ray_local: None) -> None:
    settings = catalog_settings(tmp_path)
    async with running_catalog(settings) as catalog:
        worker_settings = encoder_settings(
            data_dir=tmp_path, storage_url=settings.media_url, encoder_progress_interval=0.5
        )
        await build_worker(worker_settings, catalog.app.state.bus, catalog.app.state.store).start()
        video = await uploaded_video(catalog)
        ready = await settled(catalog, video["id"], "ready", within=240)
        slot = ready["media"]["video"]
        store = catalog.app.state.store
        assert store.read_bytes(slot["encoded_location"]).startswith(b"#EXTM3U")
        assert slot["renditions"] and slot["duration_seconds"] > 1
        assert store.exists(slot["poster"]) and store.exists(slot["thumbnails"])
        # The rendition table: every rung's bytes on disk, and the sprite sheets.
        for rung in slot["renditions"]:
            folder = rung["playlist"].rsplit("/", 1)[0]
            on_disk = store.sizes(f"{slot['encoded_location'].rsplit('/', 1)[0]}/{folder}")
            segments = sum(n for key, n in on_disk.items() if not key.endswith(".m3u8"))
            assert rung["size_bytes"] == segments > 0
            assert rung["bandwidth"] > 0 and rung["codecs"] and rung["width"] > 0
        assert slot["sprites"] and all(store.exists(key) for key in slot["sprites"])
        vtt = store.read_bytes(slot["thumbnails"]).decode()
        assert all(key.rsplit("/", 1)[1] in vtt for key in slot["sprites"])
        assert any(e.type == "video.encoding.progressed" for e in catalog.events)
