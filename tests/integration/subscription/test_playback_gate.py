"""Sign up, subscribe, watch: subscription events gate playback grants and their renditions.

The real identity service signs the tokens; the subscription and playback apps share an
in-process bus, as in the embedded platform, so the only link between them is the events.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apis.playback.app import create_app as create_playback
from apis.playback.config import get_settings as playback_settings
from apis.subscription.billing import BillingRules
from apis.subscription.models import Subscription
from apis.subscription.renewals import RenewalScheduler
from apis.subscription.sandbox import SandboxPaymentGateway
from codeflix.bus import InMemoryBus
from codeflix.events import Envelope, new_event
from codeflix.platform import Platform
from codeflix.storage import ObjectStore
from tests.integration.subscription.conftest import (
    DECLINED,
    LATER,
    START,
    SUCCESS,
    build,
)
from tests.support.clock import FakeClock
from tests.support.identity import IdentityHarness

RUNGS = (("v360", 640, 360), ("v720", 1280, 720), ("v1080", 1920, 1080))
MASTER = "#EXTM3U\n#EXT-X-VERSION:7\n" + "".join(
    f'#EXT-X-STREAM-INF:BANDWIDTH={h * 4000},RESOLUTION={w}x{h},CODECS="avc1.640028"\n'
    f"{name}/index.m3u8\n"
    for name, w, h in RUNGS
)
VARIANT = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.0,\nseg_00000.m4s\n#EXT-X-ENDLIST\n"


@dataclass
class Platforms:
    identity: IdentityHarness
    subscription: httpx.AsyncClient
    playback: httpx.AsyncClient
    bus: InMemoryBus
    clock: FakeClock
    sandbox: SandboxPaymentGateway
    sessions: async_sessionmaker[AsyncSession]
    scheduler: RenewalScheduler
    video_id: str

    async def sign_up(self) -> dict[str, str]:
        """Register an account, then act with a token for it."""
        email = f"viewer-{uuid.uuid4().hex[:8]}@example.com"
        async with self.identity.client() as client:
            response = await client.post(
                "/api/v1/accounts",
                json={"email": email, "password": "a long enough passphrase", "name": "Viewer"},
            )
        assert response.status_code == 201, response.text
        return self.identity.headers(subject=str(uuid.uuid4()), email=email)

    async def subscribe(self, viewer: dict[str, str], plan: str, number: str) -> httpx.Response:
        card = {"type": "card", "number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"}
        plans = (await self.subscription.get("/api/v1/plans")).json()["items"]
        plan_id = next(p["id"] for p in plans if p["name"] == plan)
        response = await self.subscription.post(
            "/api/v1/subscriptions",
            json={"plan_id": plan_id, "payment_method": card},
            headers={**viewer, "Idempotency-Key": uuid.uuid4().hex},
        )
        await self.settle()
        return response

    async def settle(self) -> None:
        """Wait until the outbox is relayed and playback has consumed every event."""
        for _ in range(500):
            async with self.sessions() as session:
                unsent = await session.scalar(
                    text("SELECT count(*) FROM outbox WHERE published_at IS NULL")
                )
            if not unsent:
                break
            await asyncio.sleep(0.01)
        await self.bus.join()

    async def grant(self, viewer: dict[str, str]) -> httpx.Response:
        return await self.playback.post(f"/api/v1/playback/{self.video_id}", headers=viewer)


@pytest.fixture
async def platforms(
    database_url: str, tmp_path: Path, identity: IdentityHarness
) -> AsyncIterator[Platforms]:
    # On PostgreSQL both services use the test's fresh database: their tables do not overlap.
    sqlite = database_url.startswith("sqlite")
    play_url = f"sqlite+aiosqlite:///{tmp_path / 'playback.db'}" if sqlite else database_url
    clock, bus = FakeClock(START), InMemoryBus()
    settings, sandbox, sub_app = build(
        database_url, tmp_path, clock, bus, verifier=identity.verifier, seed_plans=True
    )
    store = ObjectStore(f"file://{tmp_path / 'media'}")
    video_id = str(uuid.uuid4())
    tree = f"videos/{video_id}/hls"
    store.write_bytes(f"{tree}/master.m3u8", MASTER.encode())
    for name, _, _ in RUNGS:
        store.write_bytes(f"{tree}/{name}/index.m3u8", VARIANT.encode())
    pb_settings = playback_settings(data_dir=tmp_path, database_url=play_url)
    play_app = create_playback(
        pb_settings,
        platform=Platform(settings=pb_settings, store=store, bus=bus),
        verifier=identity.verifier,
        clock=clock,
    )
    sub_transport = httpx.ASGITransport(app=sub_app)
    play_transport = httpx.ASGITransport(app=play_app)
    async with (
        sub_app.router.lifespan_context(sub_app),
        play_app.router.lifespan_context(play_app),
        httpx.AsyncClient(transport=sub_transport, base_url="http://subscription") as sub_client,
        httpx.AsyncClient(transport=play_transport, base_url="http://playback") as play_client,
    ):
        await bus.start()
        await bus.publish(_video_ready(video_id, tree))
        await bus.join()

        async def deliver(body: bytes, headers: dict[str, str]) -> bool:
            response = await sub_client.post(
                "/api/v1/payments/webhook", content=body, headers=headers
            )
            assert response.status_code == 200, response.text
            return True

        sandbox.send_webhook = deliver
        sessions = sub_app.state.subscription.sessions
        rules = BillingRules.from_settings(settings)
        yield Platforms(
            identity=identity,
            subscription=sub_client,
            playback=play_client,
            bus=bus,
            clock=clock,
            sandbox=sandbox,
            sessions=sessions,
            scheduler=RenewalScheduler(sessions, sandbox, clock, rules),
            video_id=video_id,
        )
    await bus.close()


def _video_ready(video_id: str, tree: str) -> Envelope:
    now = datetime.now(UTC).isoformat()
    media = {"status": "ready", "encoded_location": f"{tree}/master.m3u8"}
    data = {
        "id": video_id, "created_at": now, "updated_at": now, "title": "Sintel",
        "launch_year": 2010, "duration": 15, "rating": "12", "opened": True,
        "published": True, "categories": [], "genres": [], "cast_members": [],
        "media": {"video": media},
    }  # fmt: skip
    return new_event("video.updated", data, subject=video_id, producer="catalog")


async def master_heights(p: Platforms, grant: httpx.Response) -> list[int]:
    manifest = await p.playback.get(grant.json()["manifest_url"])
    assert manifest.status_code == 200
    resolutions = re.findall(r"RESOLUTION=\d+x(\d+)", manifest.text)
    return [int(height) for height in resolutions]


async def test_without_a_subscription_a_grant_is_402(platforms: Platforms) -> None:
    viewer = await platforms.sign_up()
    refused = await platforms.grant(viewer)
    assert refused.status_code == 402
    assert refused.json()["reason"] == "no_subscription"


async def test_success_card_grants_and_basic_is_capped_at_720p(platforms: Platforms) -> None:
    basic, premium = await platforms.sign_up(), await platforms.sign_up()
    assert (await platforms.subscribe(basic, "basic", SUCCESS)).status_code == 201
    assert (await platforms.subscribe(premium, "premium", SUCCESS)).status_code == 201
    basic_grant = await platforms.grant(basic)
    assert basic_grant.status_code == 200
    assert await master_heights(platforms, basic_grant) == [360, 720]
    premium_grant = await platforms.grant(premium)
    assert await master_heights(platforms, premium_grant) == [360, 720, 1080]


async def test_declined_card_is_402_and_no_grant(platforms: Platforms) -> None:
    viewer = await platforms.sign_up()
    assert (await platforms.subscribe(viewer, "basic", DECLINED)).status_code == 402
    assert (await platforms.grant(viewer)).status_code == 402


async def test_confirm_later_grants_only_after_the_signed_webhook(platforms: Platforms) -> None:
    viewer = await platforms.sign_up()
    response = await platforms.subscribe(viewer, "premium", LATER)
    assert response.json()["status"] == "pending"
    assert (await platforms.grant(viewer)).status_code == 402
    await platforms.sandbox.confirm_pending()
    await platforms.settle()
    assert (await platforms.grant(viewer)).status_code == 200


async def test_a_card_that_starts_failing_ends_expired_and_402(platforms: Platforms) -> None:
    viewer = await platforms.sign_up()
    assert (await platforms.subscribe(viewer, "basic", SUCCESS)).status_code == 201
    # The card on file starts failing, as cards do: renewals are declined from now on.
    async with platforms.sessions() as session, session.begin():
        await session.execute(update(Subscription).values(card_token=f"tok_fails_{'0' * 16}"))
    platforms.clock.advance(days=32)
    await platforms.scheduler.run_once()
    await platforms.settle()
    past_due = await platforms.grant(viewer)
    assert past_due.status_code == 200  # the grace period still plays
    for _ in range(10):
        platforms.clock.advance(days=1)
        await platforms.scheduler.run_once()
    await platforms.settle()
    refused = await platforms.grant(viewer)
    assert refused.status_code == 402
    assert refused.json()["reason"] == "subscription_expired"
