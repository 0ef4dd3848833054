"""The renewal scheduler with a moving clock: renew once, retry into past_due, expire, cancel."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text, update

from apis.subscription.billing import BillingRules
from apis.subscription.models import Subscription
from apis.subscription.renewals import RenewalScheduler
from codeflix.db import create_engine, session_factory
from codeflix.events import Envelope
from tests.integration.subscription.conftest import FAILS_LATER, LATER, SubscriptionApi


@pytest.fixture
async def replicas(api: SubscriptionApi) -> AsyncIterator[list[RenewalScheduler]]:
    """Two scheduler replicas, each with its own engine, as two processes would have."""
    engines = [create_engine(api.settings.db_url) for _ in range(2)]
    rules = BillingRules.from_settings(api.settings)
    yield [RenewalScheduler(session_factory(e), api.sandbox, api.clock, rules) for e in engines]
    for engine in engines:
        await engine.dispose()


async def subscription_events(api: SubscriptionApi) -> list[str]:
    async with api.app.state.subscription.sessions() as session:
        from sqlalchemy import text

        rows = await session.execute(text("SELECT type FROM outbox ORDER BY seq"))
        return [r[0] for r in rows]


async def event_bodies(api: SubscriptionApi, event_type: str) -> list[str]:
    async with api.app.state.subscription.sessions() as session:
        rows = await session.execute(
            text("SELECT body FROM outbox WHERE type = :type ORDER BY seq"), {"type": event_type}
        )
        return [r[0] for r in rows]


async def test_moving_past_the_period_renews_exactly_once_with_two_replicas(
    api: SubscriptionApi, replicas: list[RenewalScheduler]
) -> None:
    plan = await api.plan()
    first = (await api.subscribe("user-r1", plan["id"])).json()
    assert sum(await asyncio.gather(*(r.run_once() for r in replicas))) == 0
    api.clock.advance(days=32)
    handled = await asyncio.gather(*(r.run_once() for r in replicas))
    assert sum(handled) == 1
    assert len(api.sandbox.charges) == 2
    renewed = await api.me("user-r1")
    assert renewed["status"] == "active"
    assert renewed["current_period_start"] == first["current_period_end"]
    assert renewed["current_period_end"].startswith("2026-03-15")
    assert sum(await asyncio.gather(*(r.run_once() for r in replicas))) == 0
    assert await subscription_events(api) == ["subscription.activated", "subscription.renewed"]


async def test_a_failing_card_goes_past_due_then_expires_after_grace(
    api: SubscriptionApi, replicas: list[RenewalScheduler]
) -> None:
    plan = await api.plan(trial_days=7)
    assert (await api.subscribe("user-r2", plan["id"], FAILS_LATER)).json()["status"] == "trialing"
    scheduler = replicas[0]
    api.clock.advance(days=7, minutes=1)
    await scheduler.run_once()
    past_due = await api.me("user-r2")
    assert past_due["status"] == "past_due"
    assert past_due["grace_ends_at"].startswith("2026-01-25")
    api.clock.advance(hours=12)  # the first retry, per the backoff
    assert await scheduler.run_once() == 1
    assert (await api.me("user-r2"))["status"] == "past_due"
    api.clock.advance(hours=24)  # the second retry
    assert await scheduler.run_once() == 1
    assert len(api.sandbox.charges) == 3
    api.clock.advance(days=2)  # past the grace period: no more charges, it expires
    assert await scheduler.run_once() == 1
    assert (await api.me("user-r2"))["status"] == "expired"
    assert len(api.sandbox.charges) == 3
    assert await subscription_events(api) == [
        "subscription.activated",
        "subscription.past_due",
        "subscription.payment_failed",
        "subscription.payment_failed",
        "subscription.payment_failed",
        "subscription.expired",
    ]
    failures = [
        Envelope.model_validate_json(body).data
        for body in await event_bodies(api, "subscription.payment_failed")
    ]
    assert [f["retry_at"] for f in failures] == [
        "2026-01-23T00:01:00Z",
        "2026-01-24T00:01:00Z",
        "2026-01-25T00:01:00Z",
    ]
    assert {(f["amount"], f["currency"]) for f in failures} == {(2990, "BRL")}
    assert {f["active_until"] for f in failures} == {"2026-01-25T12:00:00Z"}


async def test_cancel_takes_effect_at_period_end(
    api: SubscriptionApi, replicas: list[RenewalScheduler]
) -> None:
    plan = await api.plan()
    await api.subscribe("user-r3", plan["id"])
    canceled = await api.client.post("/api/v1/subscriptions/me/cancel", headers=api.auth("user-r3"))
    assert canceled.status_code == 200
    assert canceled.json()["status"] == "active" and canceled.json()["cancel_at_period_end"]
    again = await api.client.post("/api/v1/subscriptions/me/cancel", headers=api.auth("user-r3"))
    assert again.status_code == 409
    api.clock.advance(days=31, minutes=1)
    await replicas[0].run_once()
    assert (await api.me("user-r3"))["status"] == "canceled"
    assert len(api.sandbox.charges) == 1  # never renewed
    assert (await subscription_events(api))[-1] == "subscription.canceled"


async def test_a_payment_that_never_confirms_expires_the_pending_subscription(
    api: SubscriptionApi, replicas: list[RenewalScheduler]
) -> None:
    plan = await api.plan()
    assert (await api.subscribe("user-r4", plan["id"], LATER)).json()["status"] == "pending"
    api.clock.advance(hours=25)
    await replicas[0].run_once()
    assert (await api.me("user-r4"))["status"] == "expired"
    history = await api.client.get("/api/v1/subscriptions/me/payments", headers=api.auth("user-r4"))
    assert history.json()["items"][0]["failure_code"] == "confirmation_timeout"


async def test_a_replica_that_lost_its_lease_mid_charge_applies_nothing(
    api: SubscriptionApi, replicas: list[RenewalScheduler]
) -> None:
    plan = await api.plan()
    await api.subscribe("user-r5", plan["id"])
    api.clock.advance(days=32)
    slow, other = replicas
    real_charge = api.sandbox.charge

    async def charge_while_the_lease_runs_out(**kwargs: Any) -> Any:
        result = await real_charge(**kwargs)
        if not took_over:
            took_over.append(True)
            api.clock.advance(minutes=5)  # longer than the lease
            assert await other.run_once() == 1  # takes over, same idempotency key
        return result

    took_over: list[bool] = []

    api.sandbox.charge = charge_while_the_lease_runs_out  # type: ignore[method-assign]
    await slow.run_once()
    renewed = await api.me("user-r5")
    assert renewed["current_period_end"].startswith("2026-03-15")  # renewed once, not twice
    assert len(api.sandbox.charges) == 2
    history = await api.client.get("/api/v1/subscriptions/me/payments", headers=api.auth("user-r5"))
    assert [p["status"] for p in history.json()["items"]] == ["succeeded", "succeeded"]


async def test_a_confirmation_after_the_timeout_is_refunded(
    api: SubscriptionApi, replicas: list[RenewalScheduler]
) -> None:
    plan = await api.plan()
    assert (await api.subscribe("user-r6", plan["id"], LATER)).json()["status"] == "pending"
    api.clock.advance(hours=25)
    await replicas[0].run_once()
    assert (await api.me("user-r6"))["status"] == "expired"
    await api.sandbox.confirm_pending()
    history = await api.client.get("/api/v1/subscriptions/me/payments", headers=api.auth("user-r6"))
    assert history.json()["items"][0]["status"] == "refunded"
    assert (await api.me("user-r6"))["status"] == "expired"


async def test_old_idempotency_keys_are_forgotten(
    api: SubscriptionApi, replicas: list[RenewalScheduler]
) -> None:
    plan = await api.plan()
    await api.subscribe("user-r7", plan["id"], key="yesterday")
    assert await replicas[0].prune() == 0
    api.clock.advance(days=2)
    assert await replicas[0].prune() == 1
    # The key is free again: the same request is a new one (and meets the live subscription)
    # instead of getting the stored 201 back.
    assert (await api.subscribe("user-r7", plan["id"], key="yesterday")).status_code == 409


async def use_card(api: SubscriptionApi, user: str, scenario: str) -> None:
    """The customer's card on file starts behaving as ``scenario`` (e.g. it was replaced)."""
    async with api.app.state.subscription.sessions() as session, session.begin():
        await session.execute(
            update(Subscription)
            .where(Subscription.user_id == user)
            .values(card_token=f"tok_{scenario}_{'0' * 16}")
        )


async def test_trial_ends_active_and_past_due_recovers_or_cancels(
    api: SubscriptionApi, replicas: list[RenewalScheduler]
) -> None:
    scheduler = replicas[0]
    trial = await api.plan(trial_days=7)
    await api.subscribe("user-t1", trial["id"])
    await api.subscribe("user-t2", trial["id"])
    canceled = await api.client.post("/api/v1/subscriptions/me/cancel", headers=api.auth("user-t2"))
    assert canceled.json()["status"] == "trialing"
    api.clock.advance(days=7, minutes=1)
    await scheduler.run_once()
    assert (await api.me("user-t1"))["status"] == "active"  # trialing -> active, charged
    assert (await api.me("user-t2"))["status"] == "canceled"  # trialing -> canceled, not charged
    assert len(api.sandbox.charges) == 1

    plan = await api.plan()
    for user in ("user-t3", "user-t4"):
        await api.subscribe(user, plan["id"])
        await use_card(api, user, "fails")
    api.clock.advance(days=32)
    await scheduler.run_once()
    assert {(await api.me(u))["status"] for u in ("user-t3", "user-t4")} == {"past_due"}
    await use_card(api, "user-t3", "ok")
    api.clock.advance(hours=12)
    await scheduler.run_once()
    recovered = await api.me("user-t3")
    assert recovered["status"] == "active" and recovered["grace_ends_at"] is None
    gave_up = await api.client.post("/api/v1/subscriptions/me/cancel", headers=api.auth("user-t4"))
    assert gave_up.json()["status"] == "canceled"  # past_due -> canceled, at once
