"""A playback app on SQLite and a local store, with a fake token verifier and a movable clock."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from apis.playback import service
from apis.playback.app import create_app
from apis.playback.config import get_settings
from apis.playback.entitlements import Entitlement, NotEntitled
from apis.playback.models import PlayableVideo
from codeflix.auth import InvalidToken, Principal
from codeflix.storage import ObjectStore
from tests.support.clock import FakeClock

MASTER = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,CODECS="avc1.64001e"
v360/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=2500000,RESOLUTION=1280x720,CODECS="avc1.64001f"
v720/index.m3u8
"""
VARIANT = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:4
#EXT-X-MAP:URI="init.mp4"
#EXTINF:4.0,
seg_00000.m4s
#EXT-X-ENDLIST
"""


class FakeTokenVerifier:
    """Accepts ``user:<subject>`` as a bearer token."""

    async def verify(self, token: str) -> Principal:
        if not token.startswith("user:"):
            raise InvalidToken("not a test token")
        return Principal(subject=token.removeprefix("user:"), roles=frozenset({"user"}))


@dataclass
class FakeEntitlements:
    """Entitles everyone, with a height limit per user; refuses the users in ``refused``."""

    max_height: dict[str, int] = field(default_factory=dict)
    refused: set[str] = field(default_factory=set)

    async def entitlement(
        self, *, session: AsyncSession, user_id: str, video: PlayableVideo, now: float
    ) -> Entitlement:
        if user_id in self.refused:
            raise NotEntitled("an active subscription is needed to watch")
        return Entitlement(max_height=self.max_height.get(user_id))


START = datetime.fromtimestamp(1_800_000_000, UTC)  # 2027-01-15 08:00 UTC


@dataclass
class PlaybackHarness:
    client: httpx.AsyncClient
    app: object
    store: ObjectStore
    clock: FakeClock
    entitlements: FakeEntitlements

    async def add_video(self, *, published: bool = True, ready: bool = True) -> str:
        """A video with a small HLS tree in the store, known to playback as given."""
        video_id = str(uuid.uuid4())
        tree = f"videos/{video_id}/hls"
        self.store.write_bytes(f"{tree}/master.m3u8", MASTER.encode())
        for rung in ("v360", "v720"):
            self.store.write_bytes(f"{tree}/{rung}/index.m3u8", VARIANT.encode())
            self.store.write_bytes(f"{tree}/{rung}/init.mp4", b"init-" + rung.encode())
            self.store.write_bytes(f"{tree}/{rung}/seg_00000.m4s", bytes(range(256)) * 40)
        self.store.write_bytes(f"{tree}/poster.jpg", b"\xff\xd8poster")
        self.store.write_bytes(f"{tree}/thumbnails.vtt", b"WEBVTT\n")
        sessions = self.app.state.playback.sessions  # type: ignore[attr-defined]
        async with sessions() as session, session.begin():
            await service.record_catalog_video(
                session=session, video_id=video_id, published=published, occurred_at=1.0
            )
            if ready:
                await service.record_media_ready(
                    session=session,
                    video_id=video_id,
                    master_key=f"{tree}/master.m3u8",
                    poster_key=f"{tree}/poster.jpg",
                    thumbnails_key=f"{tree}/thumbnails.vtt",
                    duration_seconds=4.0,
                    occurred_at=1.0,
                )
        return video_id

    async def grant(self, video_id: str, user: str = "viewer-1") -> httpx.Response:
        return await self.client.post(
            f"/api/v1/playback/{video_id}", headers={"Authorization": f"Bearer user:{user}"}
        )


@pytest.fixture
async def playback(tmp_path: Path) -> AsyncIterator[PlaybackHarness]:
    settings = get_settings(data_dir=tmp_path, media_base_url="http://edge.test")
    store = ObjectStore(settings.media_url)  # the store the app opens from its settings
    clock, entitlements = FakeClock(START), FakeEntitlements()
    app = create_app(settings, verifier=FakeTokenVerifier(), entitlements=entitlements, clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=transport, base_url="http://edge.test") as client:
            yield PlaybackHarness(client, app, store, clock, entitlements)
