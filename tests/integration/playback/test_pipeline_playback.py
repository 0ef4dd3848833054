"""The Codeflix pipeline's own HLS tree (MPEG-TS ladder on Ray) plays through the media edge."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest

from actors.coordinator import run_encode_job
from apis.playback.consumers import VideoEventsConsumer
from codeflix.events import new_event
from codeflix.storage import ObjectStore
from pipeline.job import EncodeRequest
from tests.integration.playback.conftest import playback_app, serving
from tests.integration.playback.test_hls_playback import decode
from tests.integration.playback.test_playable_videos_db import video_updated
from tests.support.identity import IdentityHarness
from tests.support.media import big_buck_bunny

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("ray_local")]


async def test_the_encoded_ladder_plays_through_the_edge(
    tmp_path: Path, identity: IdentityHarness
) -> None:
    store = ObjectStore(f"file://{tmp_path / 'media'}")
    video_id = str(uuid.uuid4())
    prefix = f"videos/{video_id}/hls"
    request = EncodeRequest(source_uri=str(big_buck_bunny()), output_uri=store.uri(prefix))
    result = await asyncio.to_thread(run_encode_job, request)
    # What the encoder worker announces when the job is done.
    completed = {
        "video_id": video_id, "hls_prefix": prefix,
        "master_playlist_key": f"{prefix}/{result.master_playlist}",
        "duration_seconds": result.duration_seconds,
        "renditions": [r.model_dump() for r in result.renditions],
        "audio": [a.model_dump() for a in result.audio],
        "poster_key": f"{prefix}/{result.poster}",
        "thumbnails_key": f"{prefix}/{result.thumbnails}",
        "chunks_total": result.chunks_total, "chunks_encoded": result.chunks_encoded,
    }  # fmt: skip
    async with serving(playback_app(tmp_path, store, identity.verifier)) as (app, base):
        consumer = VideoEventsConsumer(app.state.playback.sessions)
        await consumer.handle(video_updated(video_id, published=True, ready=False))
        await consumer.handle(
            new_event("video.encoding.completed", completed, subject=video_id, producer="encoder")
        )
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            granted = await client.post(f"/api/v1/playback/{video_id}", headers=identity.headers())
            assert granted.status_code == 200, granted.text
            body = granted.json()
            streams = await decode(body["manifest_url"])
            thumbnails = await client.get(body["thumbnails_url"])
            poster = await client.get(body["poster_url"])
            # The seek previews' sprite sheets resolve under the same grant.
            sprite_ref = next(line for line in thumbnails.text.splitlines() if "#xywh=" in line)
            sprite = await client.get(urljoin(body["thumbnails_url"], sprite_ref.split("#")[0]))

    heights = sorted(int((s.dimensions or "0x0").split("x")[1]) for s in streams.values()
                     if s.media_type == "video")  # fmt: skip
    assert heights == sorted(r.height for r in result.renditions)
    assert any(s.media_type == "audio" for s in streams.values())
    for stream in streams.values():
        assert abs(stream.seconds - result.duration_seconds) < 0.15, stream
    assert thumbnails.status_code == 200 and thumbnails.text.startswith("WEBVTT")
    assert thumbnails.headers["content-type"] == "text/vtt; charset=utf-8"
    assert poster.status_code == 200 and poster.headers["content-type"] == "image/jpeg"
    assert sprite.status_code == 200 and sprite.headers["content-type"].startswith("image/")
