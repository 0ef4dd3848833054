"""A real HLS tree made by the ffmpeg CLI, and the playback app behind a real uvicorn."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from apis.playback import service
from apis.playback.app import create_app
from apis.playback.config import get_settings
from apis.playback.entitlements import EntitlementPolicy
from codeflix.auth import Verifier
from codeflix.platform import Platform
from codeflix.storage import ObjectStore
from tests.integration.conftest import free_port
from tests.support.playback import EveryoneEntitled

DURATION = 6.0
RUNGS = {"v360": (640, 360), "v180": (320, 180)}


@pytest.fixture(scope="session")
def hls_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 6 s title as fMP4 HLS with two rungs (video + AAC audio each), poster and WebVTT."""
    out = tmp_path_factory.mktemp("hls")
    scale = "[0:v]split=2[a][b];[b]scale=320:180[b2]"
    pattern = f"testsrc2=size=640x360:rate=25:duration={DURATION}"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", pattern,
         "-f", "lavfi", "-i", f"sine=frequency=440:duration={DURATION}",
         "-filter_complex", scale, "-map", "[a]", "-map", "[b2]", "-map", "1:a", "-map", "1:a",
         "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-keyint_min", "50",
         "-sc_threshold", "0", "-c:a", "aac", "-b:a", "64k",
         "-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod", "-hls_segment_type", "fmp4",
         "-hls_fmp4_init_filename", "init.mp4", "-hls_segment_filename", "v%v/seg_%05d.m4s",
         "-master_pl_name", "master.m3u8", "-var_stream_map", "v:0,a:0,name:360 v:1,a:1,name:180",
         "v%v/index.m3u8"],
        cwd=out, check=True, timeout=120,
    )  # fmt: skip
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360", "-frames:v", "1",
         "poster.jpg"],
        cwd=out, check=True, timeout=60,
    )  # fmt: skip
    (out / "thumbnails.vtt").write_text(
        "WEBVTT\n\n00:00.000 --> 00:06.000\nposter.jpg#xywh=0,0,64,36\n"
    )
    return out


def upload_tree(store: ObjectStore, tree: Path, prefix: str) -> None:
    for path in sorted(p for p in tree.rglob("*") if p.is_file()):
        store.put_file(path, f"{prefix}/{path.relative_to(tree).as_posix()}")


async def add_playable_video(app: FastAPI, store: ObjectStore, tree: Path, video_id: str) -> None:
    """Put the HLS tree in storage and tell playback the video is published and ready."""
    prefix = f"videos/{video_id}/hls"
    await asyncio.to_thread(upload_tree, store, tree, prefix)
    async with app.state.playback.sessions() as session, session.begin():
        await service.record_catalog_video(
            session=session, video_id=video_id, published=True, occurred_at=1.0
        )
        await service.record_media_ready(
            session=session,
            video_id=video_id,
            master_key=f"{prefix}/master.m3u8",
            poster_key=f"{prefix}/poster.jpg",
            thumbnails_key=f"{prefix}/thumbnails.vtt",
            duration_seconds=DURATION,
            occurred_at=1.0,
        )


@asynccontextmanager
async def serving(app_for: Callable[[str], FastAPI]) -> AsyncIterator[tuple[FastAPI, str]]:
    """Run ``app_for(base_url)`` under a real uvicorn on a free loopback port, in this loop."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = app_for(base)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=None, lifespan="on", backlog=1024
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
        yield app, base
    finally:
        server.should_exit = True
        await task


def playback_app(
    tmp_path: Path,
    store: ObjectStore,
    verifier: Verifier,
    entitlements: EntitlementPolicy | None = None,
    **overrides: Any,
) -> Callable[[str], FastAPI]:
    """A factory of playback apps sharing ``store`` as the embedded platform would."""

    def build(base_url: str) -> FastAPI:
        values: dict[str, Any] = {"data_dir": tmp_path, "media_base_url": base_url, **overrides}
        settings = get_settings(**values)
        platform = Platform(settings=settings, store=store)
        # These tests are about media, not subscriptions: everyone may watch unless told.
        policy = entitlements or EveryoneEntitled()
        return create_app(settings, platform=platform, verifier=verifier, entitlements=policy)

    return build
