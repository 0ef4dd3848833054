"""Events become mail: a viewer hears about their subscription, catalog admins about uploads.

The identity service consumes the events from the bus, as it does embedded, and sends through
a real SMTP server; the messages are read back from the server's store."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from apis.identity.app import create_app
from apis.identity.service import create_user
from codeflix.bus import InMemoryBus
from codeflix.events import Envelope, new_event
from codeflix.mail.server import LocalMailServer
from codeflix.mail.store import StoredMail
from codeflix.platform import Platform
from codeflix.storage import open_store
from tests.support.clock import FakeClock
from tests.support.identity import identity_settings
from tests.support.mail import mails_to

PASSWORD = "Popcorn and 4 films!"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'identity.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@dataclass
class Notified:
    app: Any
    bus: InMemoryBus
    server: LocalMailServer

    async def account(self, email: str, *roles: str) -> str:
        async with self.app.state.sessions.begin() as session:
            user = await create_user(
                session=session,
                runtime=self.app.state.runtime,
                email=email,
                password=PASSWORD,
                name=email.split("@")[0].title(),
                roles=list(roles),
            )
            return str(user.id)

    async def publish(self, envelope: Envelope) -> None:
        await self.bus.publish(envelope)
        await self.bus.join()

    async def mails(self, to: str) -> list[StoredMail]:
        pending = "SELECT count(*) FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL"
        for _ in range(250):
            await self.app.state.mail_relay.relay_once()
            async with self.app.state.sessions() as session:
                if not await session.scalar(text(pending)):
                    break
            await asyncio.sleep(0.02)
        return mails_to(self.server.store, to)


@pytest.fixture
async def notified(
    database_url: str, tmp_path: Path, mail_server: LocalMailServer
) -> AsyncIterator[Notified]:
    settings = identity_settings(
        tmp_path,
        database_url=database_url,
        public_url="https://watch.example",
        smtp_host=mail_server.host,
        smtp_port=mail_server.port,
        smtp_security="none",
    )
    bus = InMemoryBus()
    platform = Platform(settings=settings, store=open_store(settings), bus=bus)
    app = create_app(settings, platform=platform, clock=FakeClock())
    await bus.start()
    try:
        async with app.router.lifespan_context(app):
            yield Notified(app=app, bus=bus, server=mail_server)
    finally:
        await bus.close()


def subscription_event(event_type: str, user_id: str, **extra: Any) -> Envelope:
    data = {
        "subscription_id": "sub-1",
        "user_id": user_id,
        "plan_id": "basic",
        "status": {"subscription.activated": "active", "subscription.canceled": "canceled",
                   "subscription.expired": "expired"}.get(event_type, "past_due"),
        "max_height": 720,
        "active_until": "2026-02-15T12:00:00Z",
        **extra,
    }  # fmt: skip
    return new_event(event_type, data, subject="sub-1", producer="subscription")


def payment_failed(user_id: str, *, retry_at: str | None, amount: int, currency: str) -> Envelope:
    data = {
        "subscription_id": "sub-1",
        "user_id": user_id,
        "plan_id": "basic",
        "amount": amount,
        "currency": currency,
        "retry_at": retry_at,
        "active_until": "2026-01-25T12:00:00Z",
    }
    return new_event("subscription.payment_failed", data, subject="sub-1", producer="subscription")


async def test_each_subscription_change_mails_the_viewer_once(notified: Notified) -> None:
    viewer = await notified.account("ada@example.com")
    failed = payment_failed(viewer, retry_at="2026-01-23T00:01:00Z", amount=2990, currency="BRL")
    activated = subscription_event("subscription.activated", viewer)
    for envelope in (
        activated,
        activated,  # redelivered: mailed once
        failed,
        subscription_event("subscription.canceled", viewer),
        subscription_event("subscription.expired", viewer),
    ):
        await notified.publish(envelope)

    mails = {m.subject: m for m in await notified.mails("ada@example.com")}
    assert sorted(mails) == [
        "Your Codeflix payment failed",
        "Your Codeflix subscription has expired",
        "Your Codeflix subscription is active",
        "Your Codeflix subscription is canceled",
    ]
    payment = mails["Your Codeflix payment failed"].body()
    assert "29.90 BRL" in payment
    assert "try again on 23 January 2026, 00:01 UTC" in payment
    assert "stops on 25 January 2026, 12:00 UTC" in payment
    active = mails["Your Codeflix subscription is active"].body()
    assert "until 15 February 2026, 12:00 UTC" in active
    assert "https://watch.example/api/v1/subscriptions/me" in payment
    html = mails["Your Codeflix payment failed"].body("html")
    assert "Hello Ada," in html and "try again on 23 January 2026" in html


async def test_the_last_failed_try_says_no_retry_is_left(notified: Notified) -> None:
    viewer = await notified.account("ada@example.com")
    await notified.publish(payment_failed(viewer, retry_at=None, amount=990, currency="usd"))
    [mail] = await notified.mails("ada@example.com")
    assert "9.90 USD" in mail.body() and "That was the last try" in mail.body()


async def test_an_unknown_account_gets_no_mail_and_blocks_nothing(notified: Notified) -> None:
    viewer = await notified.account("ada@example.com")
    await notified.publish(subscription_event("subscription.activated", str(uuid.uuid4())))
    await notified.publish(subscription_event("subscription.canceled", viewer))
    assert [m.subject for m in await notified.mails("ada@example.com")] == [
        "Your Codeflix subscription is canceled"
    ]
    assert len(notified.server.store.list()) == 1


async def test_upload_outcomes_go_to_the_catalog_admins(notified: Notified) -> None:
    await notified.account("cat@example.com", "catalog-admin")
    await notified.account("root@example.com", "admin")
    await notified.account("viewer@example.com")
    await notified.account("money@example.com", "subscription-admin")
    completed = {
        "video_id": "v-42", "kind": "video", "hls_prefix": "videos/v-42/hls",
        "master_playlist_key": "videos/v-42/hls/master.m3u8", "duration_seconds": 5.3,
        "renditions": [], "chunks_total": 1, "chunks_encoded": 1,
    }  # fmt: skip
    await notified.publish(
        new_event("video.encoding.completed", completed, subject="v-42", producer="encoder")
    )
    failed = {
        "video_id": "v-43", "kind": "trailer", "reason": "no_video_stream",
        "message": "the file has no video stream <script>alert(1)</script>",
    }  # fmt: skip
    await notified.publish(
        new_event("video.encoding.failed", failed, subject="v-43", producer="encoder")
    )
    for admin in ("cat@example.com", "root@example.com"):
        subjects = sorted(m.subject for m in await notified.mails(admin))
        assert subjects == [
            "Upload failed: the trailer of video v-43",
            "Upload ready: the master of video v-42",
        ]
    assert await notified.mails("viewer@example.com") == []
    assert await notified.mails("money@example.com") == []
    [failure] = [
        m for m in await notified.mails("cat@example.com") if m.subject.startswith("Upload failed")
    ]
    assert "no_video_stream" in failure.body()
    assert "<script>" not in failure.body("html") and "&lt;script&gt;" in failure.body("html")
    assert "https://watch.example/api/v1/admin/videos/v-43" in failure.body()


async def test_an_event_that_would_inject_mail_headers_is_dead_lettered(notified: Notified) -> None:
    await notified.account("cat@example.com", "catalog-admin")
    hostile = {
        "video_id": "v-1\r\nBcc: victim@example.com", "kind": "video",
        "reason": "encoder_error", "message": "boom",
    }  # fmt: skip
    await notified.publish(
        new_event("video.encoding.failed", hostile, subject="v-1", producer="encoder")
    )
    [dead] = await notified.bus.dead_letters("identity.notifications")
    assert "one non-empty line" in (dead.reason or "")
    assert dead.attempts == 1, dead  # at once: retrying a malformed event cannot help
    assert await notified.mails("cat@example.com") == []
    assert await notified.mails("victim@example.com") == []
