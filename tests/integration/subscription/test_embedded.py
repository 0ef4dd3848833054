"""The embedded platform: seeded plans, sign up, subscribe and watch through the gateway."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from fastapi import FastAPI

from apis.gateway.app import create_app as create_gateway
from apis.gateway.config import get_settings as gateway_settings
from apis.subscription.app import create_app as create_subscription
from apis.subscription.config import get_settings as subscription_settings
from codeflix.events import new_event
from codeflix.mail import MailStore
from tests.integration.subscription.conftest import LATER, FakeTokenVerifier
from tests.support.mail import link_in, mails_to

PASSWORD = "Popcorn and 4 films!"
TOKEN_PATH = "/realms/codeflix/protocol/openid-connect/token"
MASTER = (
    "#EXTM3U\n"
    '#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=1280x720,CODECS="avc1.64001f"\nv720/index.m3u8\n'
    '#EXT-X-STREAM-INF:BANDWIDTH=5000000,RESOLUTION=1920x1080,CODECS="avc1.640028"\n'
    "v1080/index.m3u8\n"
)


def gateway(data_dir: Path) -> FastAPI:
    settings = gateway_settings(data_dir=data_dir)
    return create_gateway(settings, services=["identity", "subscription", "playback"])


async def publish_ready_video(app: FastAPI) -> str:
    platform = app.state.platform
    video_id = str(uuid.uuid4())
    tree = f"videos/{video_id}/hls"
    platform.store.write_bytes(f"{tree}/master.m3u8", MASTER.encode())
    now = datetime.now(UTC).isoformat()
    data = {
        "id": video_id, "created_at": now, "updated_at": now, "title": "Sintel",
        "launch_year": 2010, "duration": 15, "rating": "12", "opened": True, "published": True,
        "categories": [], "genres": [], "cast_members": [],
        "media": {"video": {"status": "ready", "encoded_location": f"{tree}/master.m3u8"}},
    }  # fmt: skip
    await platform.bus.publish(
        new_event("video.updated", data, subject=video_id, producer="catalog")
    )
    await platform.bus.join()
    return video_id


async def test_sign_up_subscribe_and_watch_on_the_embedded_platform(tmp_path: Path) -> None:
    app = gateway(tmp_path / "var")
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client,
    ):
        plans = (await client.get("/api/v1/plans")).json()["items"]
        by_name = {p["name"]: p for p in plans}
        assert by_name["basic"]["max_video_height"] == 720
        assert by_name["premium"]["max_video_height"] is None
        video_id = await publish_ready_video(app)

        email = f"viewer-{uuid.uuid4().hex[:8]}@example.com"
        signed_up = await client.post(
            "/api/v1/accounts", json={"email": email, "password": PASSWORD, "name": "Viewer"}
        )
        assert signed_up.status_code == 201, signed_up.text
        form = {"grant_type": "password", "client_id": "codeflix-cli",
                "username": email, "password": PASSWORD}  # fmt: skip
        token = (await client.post(TOKEN_PATH, data=form)).json()["access_token"]
        viewer = {"Authorization": f"Bearer {token}"}
        assert (
            await client.post(f"/api/v1/playback/{video_id}", headers=viewer)
        ).status_code == 402

        card = {"type": "card", "number": "4242 4242 4242 4242", "exp_month": 12,
                "exp_year": 2099, "cvc": "123"}  # fmt: skip
        unconfirmed = await client.post(
            "/api/v1/subscriptions",
            json={"plan_id": by_name["basic"]["id"], "payment_method": card},
            headers={**viewer, "Idempotency-Key": "too-early"},
        )
        assert unconfirmed.status_code == 403, unconfirmed.text
        # Confirm the address with the link the platform mailed, then sign in again.
        mail = None
        for _ in range(200):
            mail = next(iter(mails_to(MailStore(tmp_path / "var" / "mail"), email)), None)
            if mail is not None:
                break
            await asyncio.sleep(0.02)
        assert mail is not None and mail.subject == "Confirm your email address"
        link = urlsplit(link_in(mail, "/login-actions/verify-email"))
        confirmed = await client.get(f"{link.path}?{link.query}")
        assert confirmed.status_code == 200 and "is confirmed" in confirmed.text
        token = (await client.post(TOKEN_PATH, data=form)).json()["access_token"]
        viewer = {"Authorization": f"Bearer {token}"}

        subscribed = await client.post(
            "/api/v1/subscriptions",
            json={"plan_id": by_name["basic"]["id"], "payment_method": card},
            headers={**viewer, "Idempotency-Key": "first-try"},
        )
        assert subscribed.status_code == 201, subscribed.text
        assert subscribed.json()["status"] == "active"

        granted = None
        for _ in range(200):  # the outbox relay and playback's consumer run in the background
            granted = await client.post(f"/api/v1/playback/{video_id}", headers=viewer)
            if granted.status_code == 200:
                break
            await asyncio.sleep(0.02)
        assert granted is not None and granted.status_code == 200, granted.text
        assert granted.json()["max_height"] == 720
        manifest = await client.get(granted.json()["manifest_url"])
        assert "v720/index.m3u8" in manifest.text and "v1080" not in manifest.text

    again = gateway(tmp_path / "var")  # a restart seeds nothing twice
    async with (
        again.router.lifespan_context(again),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=again), base_url="http://127.0.0.1:8000"
        ) as client,
    ):
        names = sorted(p["name"] for p in (await client.get("/api/v1/plans")).json()["items"])
        assert names == ["basic", "premium"]


async def test_the_sandbox_confirms_a_later_card_through_the_signed_webhook(
    tmp_path: Path,
) -> None:
    settings = subscription_settings(data_dir=tmp_path, sandbox_confirm_delay_seconds=0)
    app = create_subscription(settings, verifier=FakeTokenVerifier())
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://subscription") as client,
    ):
        viewer = {"Authorization": "Bearer user-late"}
        plan = await client.post(
            "/api/v1/admin/plans",
            json={"name": "monthly", "price_cents": 990},
            headers={"Authorization": "Bearer admin-1:subscription-admin"},
        )
        card = {"type": "card", "number": LATER, "exp_month": 1, "exp_year": 2099, "cvc": "999"}
        created = await client.post(
            "/api/v1/subscriptions",
            json={"plan_id": plan.json()["id"], "payment_method": card},
            headers={**viewer, "Idempotency-Key": "late"},
        )
        assert created.json()["status"] == "pending"
        status = "pending"
        for _ in range(200):
            status = (await client.get("/api/v1/subscriptions/me", headers=viewer)).json()["status"]
            if status != "pending":
                break
            await asyncio.sleep(0.02)
        assert status == "active"
