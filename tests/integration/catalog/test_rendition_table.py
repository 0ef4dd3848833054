"""The admin video resource's rendition table: each rung's size, poster and sprite sheets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.integration.catalog.test_media_lifecycle import encoding_event, settled, uploaded_video
from tests.support.catalog import CatalogHarness

RUNGS = {"v720": (1280, 720, 2_400_000), "v360": (640, 360, 800_000)}


def completed_data(prefix: str) -> dict:
    renditions = [
        {"name": name, "width": w, "height": h, "bandwidth": bw, "average_bandwidth": bw // 2,
         "codecs": "avc1.64001f,mp4a.40.2", "frame_rate": 24.0, "playlist": f"{name}/index.m3u8"}
        for name, (w, h, bw) in RUNGS.items()
    ]  # fmt: skip
    return {
        "hls_prefix": prefix, "master_playlist_key": f"{prefix}/master.m3u8",
        "duration_seconds": 8.0, "renditions": renditions, "poster_key": f"{prefix}/poster.jpg",
        "thumbnails_key": f"{prefix}/thumbnails/thumbnails.vtt",
        "chunks_total": 2, "chunks_encoded": 2,
    }  # fmt: skip


async def test_each_rendition_shows_its_size_and_the_sprite_sheets_are_listed(
    catalog: CatalogHarness,
) -> None:
    video = await uploaded_video(catalog)
    prefix, store = f"videos/{video['id']}/hls", catalog.app.state.store
    files = {
        "master.m3u8": 200, "poster.jpg": 900,
        "v720/index.m3u8": 300, "v720/init.mp4": 1_000, "v720/seg_00000.m4s": 500_000,
        "v720/seg_00001.m4s": 400_000, "v360/index.m3u8": 300, "v360/init.mp4": 800,
        "v360/seg_00000.m4s": 120_000, "v360/seg_00001.m4s": 90_000,
        "thumbnails/thumbnails.vtt": 400, "thumbnails/sprite_000.jpg": 30_000,
        "thumbnails/sprite_001.jpg": 12_000, "audio/init.mp4": 700,
    }  # fmt: skip
    for name, size in files.items():
        store.write_bytes(f"{prefix}/{name}", b"\0" * size)
    at = datetime.now(UTC) + timedelta(seconds=1)
    event = encoding_event("video.encoding.completed", video["id"], at, **completed_data(prefix))
    await catalog.app.state.bus.publish(event)
    ready = (await settled(catalog, video["id"], "ready"))["media"]["video"]
    table = {r["name"]: r for r in ready["renditions"]}
    assert table["v720"] == {
        "name": "v720", "width": 1280, "height": 720, "bandwidth": 2_400_000,
        "average_bandwidth": 1_200_000, "codecs": "avc1.64001f,mp4a.40.2", "frame_rate": 24.0,
        "playlist": "v720/index.m3u8", "size_bytes": 901_000,
    }  # fmt: skip
    assert table["v360"]["size_bytes"] == 210_800
    assert ready["poster"] == f"{prefix}/poster.jpg"
    assert ready["thumbnails"] == f"{prefix}/thumbnails/thumbnails.vtt"
    assert ready["sprites"] == [
        f"{prefix}/thumbnails/sprite_000.jpg",
        f"{prefix}/thumbnails/sprite_001.jpg",
    ]


async def test_a_ladder_missing_from_storage_has_no_sizes_to_show(catalog: CatalogHarness) -> None:
    video = await uploaded_video(catalog)
    at = datetime.now(UTC) + timedelta(seconds=1)
    data = completed_data(f"videos/{video['id']}/hls")
    await catalog.app.state.bus.publish(
        encoding_event("video.encoding.completed", video["id"], at, **data)
    )
    ready = (await settled(catalog, video["id"], "ready"))["media"]["video"]
    assert [r["size_bytes"] for r in ready["renditions"]] == [0, 0]
    assert ready["sprites"] == []
