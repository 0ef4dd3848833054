"""Subscribing with the sandbox's test cards, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import text

from tests.integration.subscription.conftest import (
    DECLINED,
    LATER,
    NO_FUNDS,
    SUCCESS,
    SubscriptionApi,
)


async def test_public_plans_list_only_active_ones(api: SubscriptionApi) -> None:
    shown = await api.plan(name="shown")
    await api.plan(name="hidden", is_active=False)
    response = await api.client.get("/api/v1/plans")
    assert response.status_code == 200
    assert [p["id"] for p in response.json()["items"]] == [shown["id"]]


async def test_success_card_activates_for_one_period(api: SubscriptionApi) -> None:
    plan = await api.plan(max_video_height=720)
    response = await api.subscribe("user-1", plan["id"])
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "active"
    assert body["card"] == {"brand": "visa", "last4": "4242"}
    assert body["current_period_end"].startswith("2026-02-15")
    assert (await api.me("user-1"))["id"] == body["id"]
    assert len(api.sandbox.charges) == 1 and api.sandbox.charges[0].amount == 2990


async def test_an_unconfirmed_address_cannot_subscribe(api: SubscriptionApi) -> None:
    plan = await api.plan()
    response = await api.subscribe("user-unverified-1", plan["id"])
    assert response.status_code == 403, response.text
    problem = response.json()
    assert problem["type"].endswith("/email-not-verified")
    assert "confirm your email address" in problem["detail"]
    assert api.sandbox.charges == []
    assert (
        await api.client.get("/api/v1/subscriptions/me", headers=api.auth("user-unverified-1"))
    ).status_code == 404


async def test_decline_and_insufficient_funds_are_402_and_leave_nothing_live(
    api: SubscriptionApi,
) -> None:
    plan = await api.plan()
    for number, reason in ((DECLINED, "card_declined"), (NO_FUNDS, "insufficient_funds")):
        response = await api.subscribe("user-2", plan["id"], number)
        assert response.status_code == 402
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["reason"] == reason
        assert (await api.me("user-2"))["status"] == "expired"
    # Nothing live is left behind, so a good card works next.
    assert (await api.subscribe("user-2", plan["id"], SUCCESS)).json()["status"] == "active"


async def test_confirm_later_card_is_pending_until_the_signed_webhook(
    api: SubscriptionApi,
) -> None:
    plan = await api.plan()
    response = await api.subscribe("user-3", plan["id"], LATER)
    assert response.status_code == 201 and response.json()["status"] == "pending"
    assert (await api.me("user-3"))["status"] == "pending"
    assert await api.sandbox.confirm_pending() == 1
    assert (await api.me("user-3"))["status"] == "active"


async def test_trial_plan_starts_trialing_without_a_charge(api: SubscriptionApi) -> None:
    plan = await api.plan(trial_days=7)
    response = await api.subscribe("user-4", plan["id"])
    assert response.json()["status"] == "trialing"
    assert response.json()["current_period_end"].startswith("2026-01-22")
    assert api.sandbox.charges == []


async def test_twenty_concurrent_identical_requests_charge_once(api: SubscriptionApi) -> None:
    plan = await api.plan()
    responses = await asyncio.gather(
        *(api.subscribe("user-5", plan["id"], key="same-key") for _ in range(20))
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert len(api.sandbox.charges) == 1
    page = await api.client.get(
        "/api/v1/admin/subscriptions", params={"user_id": "user-5"}, headers=api.admin
    )
    assert len(page.json()["items"]) == 1


async def test_a_repeated_declined_request_is_answered_without_a_second_charge(
    api: SubscriptionApi,
) -> None:
    plan = await api.plan()
    first = await api.subscribe("user-6", plan["id"], DECLINED, key="k1")
    again = await api.subscribe("user-6", plan["id"], DECLINED, key="k1")
    assert first.status_code == again.status_code == 402
    assert first.json() == again.json()
    assert len(api.sandbox.charges) == 1


async def test_one_live_subscription_per_user(api: SubscriptionApi) -> None:
    plan = await api.plan()
    assert (await api.subscribe("user-7", plan["id"], key="a")).status_code == 201
    second = await api.subscribe("user-7", plan["id"], key="b")
    assert second.status_code == 409
    assert len(api.sandbox.charges) == 1


async def test_the_same_key_with_another_body_is_refused(api: SubscriptionApi) -> None:
    plan = await api.plan()
    other = await api.plan(name="other")
    assert (await api.subscribe("user-8", plan["id"], key="k")).status_code == 201
    reused = await api.subscribe("user-8", other["id"], key="k")
    assert reused.status_code == 422


async def test_card_numbers_are_never_stored_or_logged(
    api: SubscriptionApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    plan = await api.plan()
    await api.subscribe("user-9", plan["id"], SUCCESS)
    await api.subscribe("user-10", plan["id"], DECLINED)
    await api.subscribe("user-11", plan["id"], "4242424242424241")  # refused before a token
    dumped = []
    async with api.app.state.subscription.sessions() as session:
        for table in ("subscriptions", "payments", "idempotency_keys", "outbox"):
            rows = await session.execute(text(f"SELECT * FROM {table}"))
            dumped += [str(tuple(row)) for row in rows]
    everything = "\n".join(dumped) + caplog.text
    assert "4242" in everything  # the last four are kept, on purpose
    for number in (SUCCESS, DECLINED, "4242424242424241", "424242424242"):
        assert number not in everything


async def test_charges_show_in_the_metrics(api: SubscriptionApi) -> None:
    series = 'codeflix_subscription_charges_total{kind="initial",outcome="failed"} '

    async def failed_charges() -> float:
        metrics = (await api.client.get("/metrics")).text
        line = next((x for x in metrics.splitlines() if x.startswith(series)), series + "0")
        return float(line.removeprefix(series))

    before = await failed_charges()
    plan = await api.plan()
    await api.subscribe("user-12", plan["id"], DECLINED)
    assert await failed_charges() == before + 1
