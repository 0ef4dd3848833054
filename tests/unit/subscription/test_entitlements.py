"""Playback's entitlements from subscription events: order, redeliveries, refusals with reasons."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apis.playback.entitlements import NotEntitled
from apis.playback.models import Base, PlayableVideo
from apis.playback.subscriptions import SubscriptionEntitlements, SubscriptionEventsConsumer
from codeflix.bus import PermanentFailure
from codeflix.db import create_engine, session_factory
from codeflix.events import Envelope, new_event
from codeflix.inbox import add_inbox_table

NOW = datetime(2026, 6, 1, tzinfo=UTC)
VIDEO = PlayableVideo(video_id="v1")


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    add_inbox_table(Base.metadata)
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'playback.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    yield session_factory(engine)
    await engine.dispose()


def event(
    kind: str, *, status: str, at: datetime, height: int | None = 720, **extra: Any
) -> Envelope:
    data = {
        "subscription_id": "s1",
        "user_id": "viewer",
        "plan_id": "p1",
        "status": status,
        "max_height": height,
        "active_until": (NOW + timedelta(days=30)).isoformat(),
        **extra,
    }
    made = new_event(f"subscription.{kind}", data, subject="s1", producer="subscription")
    return made.model_copy(update={"occurred_at": at})


async def decide(sessions: async_sessionmaker[AsyncSession], now: datetime = NOW) -> int | None:
    async with sessions() as session:
        granted = await SubscriptionEntitlements().entitlement(
            session=session, user_id="viewer", video=VIDEO, now=now.timestamp()
        )
    return granted.max_height


async def refusal(sessions: async_sessionmaker[AsyncSession], now: datetime = NOW) -> str:
    with pytest.raises(NotEntitled) as refused:
        await decide(sessions, now)
    assert refused.value.status == 402
    return str(refused.value.extra["reason"])


async def test_no_event_no_grant(sessions: async_sessionmaker[AsyncSession]) -> None:
    assert await refusal(sessions) == "no_subscription"


async def test_activation_grants_up_to_the_plan_height(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await SubscriptionEventsConsumer(sessions).handle(event("activated", status="active", at=NOW))
    assert await decide(sessions) == 720
    assert await refusal(sessions, NOW + timedelta(days=31)) == "subscription_lapsed"


async def test_a_late_older_event_does_not_undo_a_newer_one(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    consumer = SubscriptionEventsConsumer(sessions)
    await consumer.handle(event("expired", status="expired", at=NOW))
    await consumer.handle(event("activated", status="active", at=NOW - timedelta(hours=1)))
    assert await refusal(sessions) == "subscription_expired"


async def test_a_redelivered_event_is_applied_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    consumer = SubscriptionEventsConsumer(sessions)
    activated = event("activated", status="active", at=NOW - timedelta(hours=1))
    await consumer.handle(activated)
    await consumer.handle(event("canceled", status="canceled", at=NOW))
    await consumer.handle(activated.model_copy(update={"occurred_at": NOW + timedelta(hours=1)}))
    assert await refusal(sessions) == "subscription_canceled"


async def test_premium_has_no_height_limit_and_past_due_still_plays(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await SubscriptionEventsConsumer(sessions).handle(
        event("past_due", status="past_due", at=NOW, height=None)
    )
    assert await decide(sessions) is None


async def test_other_events_are_dead_lettered(sessions: async_sessionmaker[AsyncSession]) -> None:
    other = new_event("video.deleted", {"id": "v1"}, subject="v1", producer="catalog")
    with pytest.raises(PermanentFailure):
        await SubscriptionEventsConsumer(sessions).handle(other)
