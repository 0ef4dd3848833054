"""The embedded platform: sign up, events on the shared bus, a grant, ffmpeg plays via /media."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from fastapi import FastAPI

from apis.gateway.app import create_app as create_gateway
from apis.gateway.config import get_settings as gateway_settings
from codeflix.events import new_event
from tests.integration.playback.conftest import DURATION, serving, upload_tree
from tests.integration.playback.test_hls_playback import decode
from tests.integration.playback.test_playable_videos_db import video_updated

PASSWORD = "Popcorn and 4 films!"
OIDC = "/realms/codeflix/protocol/openid-connect"
TOKEN_PATH = f"{OIDC}/token"


async def test_a_viewer_plays_a_video_through_the_gateway(tmp_path: Path, hls_tree: Path) -> None:
    def gateway(base: str) -> FastAPI:
        # No public URL configured, as with `codeflix up --port N`: grants must still point at
        # the port the platform answers on.
        settings = gateway_settings(data_dir=tmp_path / "var")
        return create_gateway(settings, services=["identity", "playback"])

    async with serving(gateway) as (app, base):
        platform = app.state.platform
        video_id = str(uuid.uuid4())
        tree = f"videos/{video_id}/hls"
        await asyncio.to_thread(upload_tree, platform.store, hls_tree, tree)
        bus = platform.bus
        await bus.publish(video_updated(video_id, published=True, ready=False))
        completed = {
            "video_id": video_id, "hls_prefix": tree, "master_playlist_key": f"{tree}/master.m3u8",
            "duration_seconds": DURATION, "renditions": [], "poster_key": f"{tree}/poster.jpg",
            "thumbnails_key": f"{tree}/thumbnails.vtt", "chunks_total": 1, "chunks_encoded": 1,
        }  # fmt: skip
        await bus.publish(
            new_event("video.encoding.completed", completed, subject=video_id, producer="encoder")
        )
        await bus.join()

        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            email = f"viewer-{uuid.uuid4().hex[:8]}@example.com"
            signed_up = await client.post(
                "/api/v1/accounts", json={"email": email, "password": PASSWORD, "name": "Viewer"}
            )
            assert signed_up.status_code == 201, signed_up.text
            form = {"grant_type": "password", "client_id": "codeflix-cli",
                    "username": email, "password": PASSWORD}  # fmt: skip
            token = (await client.post(TOKEN_PATH, data=form)).json()["access_token"]
            viewer = {"Authorization": f"Bearer {token}"}
            me = (await client.get(f"{OIDC}/userinfo", headers=viewer)).json()["sub"]
            # What the subscription service announces once the viewer has paid.
            active = {"subscription_id": str(uuid.uuid4()), "user_id": me, "plan_id": "premium",
                      "status": "active", "max_height": None,
                      "active_until": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
            }  # fmt: skip
            await bus.publish(
                new_event("subscription.activated", active, subject=me, producer="subscription")
            )
            await bus.join()
            granted = await client.post(f"/api/v1/playback/{video_id}", headers=viewer)
            assert granted.status_code == 200, granted.text
            body = granted.json()
            assert body["manifest_url"].startswith(f"{base}/media/g/")
            streams = await decode(body["manifest_url"])
            poster = await client.get(body["poster_url"])
            anonymous = await client.post(f"/api/v1/playback/{video_id}")

    assert sorted(s.dimensions or "" for s in streams.values() if s.media_type == "video") == [
        "320x180",
        "640x360",
    ]
    assert all(abs(s.seconds - DURATION) < 0.1 for s in streams.values())
    assert poster.status_code == 200 and poster.headers["content-type"] == "image/jpeg"
    assert anonymous.status_code == 401
