"""A real HLS client (the ffmpeg CLI) plays a granted video through the media edge."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from apis.playback.entitlements import Entitlement
from apis.playback.models import PlayableVideo
from codeflix.storage import ObjectStore
from tests.integration.playback.conftest import (
    DURATION,
    add_playable_video,
    playback_app,
    serving,
)
from tests.support.identity import IdentityHarness


@dataclass
class DecodedStream:
    media_type: str = ""
    dimensions: str | None = None
    time_base: Fraction = Fraction(1)
    frames: int = 0
    first_pts: int | None = None
    end_pts: int = 0

    @property
    def seconds(self) -> float:
        return float((self.end_pts - (self.first_pts or 0)) * self.time_base)


async def decode(url: str) -> dict[int, DecodedStream]:
    """Decode every stream of every rendition with ffmpeg; one checksum line per frame."""
    process = await asyncio.create_subprocess_exec(
        "ffmpeg", "-nostdin", "-v", "error", "-i", url, "-map", "0", "-f", "framemd5", "-",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0 and err.decode().strip() == "", err.decode()
    streams: dict[int, DecodedStream] = defaultdict(DecodedStream)
    for line in out.decode().splitlines():
        if line.startswith("#") and ":" in line and line[1:].split(" ")[0] in (
            "tb", "media_type", "dimensions"
        ):  # fmt: skip
            head, value = line[1:].split(":", 1)
            name, index = head.split(" ")
            stream = streams[int(index)]
            if name == "tb":
                stream.time_base = Fraction(value.strip())
            elif name == "media_type":
                stream.media_type = value.strip()
            else:
                stream.dimensions = value.strip()
        elif line and line[0].isdigit():
            index, _dts, pts, duration, *_ = (part.strip() for part in line.split(","))
            stream = streams[int(index)]
            stream.frames += 1
            if stream.first_pts is None:
                stream.first_pts = int(pts)
            stream.end_pts = max(stream.end_pts, int(pts) + int(duration))
    return streams


async def grant(base: str, video_id: str, identity: IdentityHarness) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=base) as client:
        response = await client.post(f"/api/v1/playback/{video_id}", headers=identity.headers())
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_ffmpeg_decodes_every_rendition_through_the_edge(
    any_store: ObjectStore, hls_tree: Path, identity: IdentityHarness, tmp_path: Path
) -> None:
    async with serving(playback_app(tmp_path, any_store, identity.verifier)) as (app, base):
        video_id = str(uuid.uuid4())
        await add_playable_video(app, any_store, hls_tree, video_id)
        body = await grant(base, video_id, identity)
        streams = await decode(body["manifest_url"])
        async with httpx.AsyncClient() as client:
            poster = await client.get(body["poster_url"])
            vtt = await client.get(body["thumbnails_url"])
    videos = sorted(s.dimensions or "" for s in streams.values() if s.media_type == "video")
    assert videos == ["320x180", "640x360"]
    assert sum(s.media_type == "audio" for s in streams.values()) == 2
    for stream in streams.values():
        assert abs(stream.seconds - DURATION) < 0.1, stream
    assert min(s.frames for s in streams.values() if s.media_type == "video") == DURATION * 25
    assert poster.status_code == 200 and poster.content[:2] == b"\xff\xd8"
    assert vtt.status_code == 200 and vtt.text.startswith("WEBVTT")


class SmallScreens:
    async def entitlement(
        self, *, session: AsyncSession, user_id: str, video: PlayableVideo, now: float
    ) -> Entitlement:
        return Entitlement(max_height=180)


async def test_a_height_limited_grant_plays_only_the_allowed_rung(
    hls_tree: Path, identity: IdentityHarness, tmp_path: Path
) -> None:
    store = ObjectStore(f"file://{tmp_path / 'media'}")
    app_for = playback_app(tmp_path, store, identity.verifier, entitlements=SmallScreens())
    async with serving(app_for) as (app, base):
        video_id = str(uuid.uuid4())
        await add_playable_video(app, store, hls_tree, video_id)
        body = await grant(base, video_id, identity)
        streams = await decode(body["manifest_url"])
        tree = body["manifest_url"].rsplit("/", 1)[0]
        async with httpx.AsyncClient() as client:
            refused = await client.get(f"{tree}/v360/seg_00000.m4s")
    videos = [s.dimensions for s in streams.values() if s.media_type == "video"]
    assert videos == ["320x180"]
    assert refused.status_code == 403


async def test_literal_dot_segments_are_refused_by_the_real_server(
    hls_tree: Path, identity: IdentityHarness, tmp_path: Path
) -> None:
    store = ObjectStore(f"file://{tmp_path / 'media'}")
    async with serving(playback_app(tmp_path, store, identity.verifier)) as (app, base):
        video_id, other = str(uuid.uuid4()), str(uuid.uuid4())
        await add_playable_video(app, store, hls_tree, video_id)
        await add_playable_video(app, store, hls_tree, other)
        manifest = (await grant(base, video_id, identity))["manifest_url"]
        path = manifest.removeprefix(base).rsplit("/", 1)[0]
        sneaky = f"{path}/v360/../../../{other}/hls/master.m3u8"
        host, port = base.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(f"GET {sneaky} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        status_line = await reader.readline()
        writer.close()
        await writer.wait_closed()
    assert status_line.split()[1] == b"400", status_line
