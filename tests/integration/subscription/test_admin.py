"""Subscription admins: plans, listing and filtering, cancel, payment history and refunds."""

from __future__ import annotations

from pathlib import Path

import httpx

from apis.subscription.app import create_app
from apis.subscription.config import get_settings
from tests.integration.subscription.conftest import LATER, START, SubscriptionApi
from tests.support.clock import FakeClock
from tests.support.identity import IdentityHarness


async def test_plans_crud(api: SubscriptionApi) -> None:
    plan = await api.plan(name="family", trial_days=3, max_video_height=1080)
    assert plan["currency"] == "BRL" and plan["billing_period"] == "monthly"
    url = f"/api/v1/admin/plans/{plan['id']}"
    changed = await api.client.patch(url, json={"price_cents": 4990}, headers=api.admin)
    assert changed.json()["price_cents"] == 4990 and changed.json()["max_video_height"] == 1080
    unlimited = await api.client.patch(url, json={"max_video_height": None}, headers=api.admin)
    assert unlimited.json()["max_video_height"] is None
    duplicate = await api.client.post(
        "/api/v1/admin/plans", json={"name": "family", "price_cents": 1}, headers=api.admin
    )
    assert duplicate.status_code == 409
    assert (await api.client.delete(url, headers=api.admin)).status_code == 204
    assert (await api.client.get(url, headers=api.admin)).status_code == 404


async def test_a_plan_with_subscribers_cannot_be_deleted(api: SubscriptionApi) -> None:
    plan = await api.plan()
    await api.subscribe("user-a1", plan["id"])
    url = f"/api/v1/admin/plans/{plan['id']}"
    assert (await api.client.delete(url, headers=api.admin)).status_code == 409
    await api.client.patch(url, json={"is_active": False}, headers=api.admin)
    assert (await api.subscribe("user-a2", plan["id"])).status_code == 409


async def test_list_filter_and_paginate(api: SubscriptionApi) -> None:
    plan = await api.plan()
    for n in range(3):
        await api.subscribe(f"user-l{n}", plan["id"])
    await api.subscribe("user-lp", plan["id"], LATER)
    pending = await api.client.get(
        "/api/v1/admin/subscriptions", params={"status": "pending"}, headers=api.admin
    )
    assert [s["user_id"] for s in pending.json()["items"]] == ["user-lp"]
    seen, cursor = [], None
    while True:
        params = {"status": "active", "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (
            await api.client.get("/api/v1/admin/subscriptions", params=params, headers=api.admin)
        ).json()
        seen += [s["user_id"] for s in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert sorted(seen) == ["user-l0", "user-l1", "user-l2"]


async def test_admin_cancels_at_once_and_illegal_moves_are_409(api: SubscriptionApi) -> None:
    plan = await api.plan()
    sub = (await api.subscribe("user-c1", plan["id"])).json()
    url = f"/api/v1/admin/subscriptions/{sub['id']}/cancel"
    done = await api.client.post(url, headers=api.admin)
    assert done.status_code == 200 and done.json()["status"] == "canceled"
    assert (await api.client.post(url, headers=api.admin)).status_code == 409
    # Canceled is final: a new subscription is a new one.
    assert (await api.subscribe("user-c1", plan["id"], key="again")).status_code == 201


async def test_refunds_and_payment_history(api: SubscriptionApi) -> None:
    plan = await api.plan(price_cents=1000)
    sub = (await api.subscribe("user-p1", plan["id"])).json()
    refund_url = f"/api/v1/admin/subscriptions/{sub['id']}/refund"
    part = await api.client.post(refund_url, json={"amount": 400}, headers=api.admin)
    assert part.status_code == 200 and part.json()["refunded_amount"] == 400
    too_much = await api.client.post(refund_url, json={"amount": 700}, headers=api.admin)
    assert too_much.status_code == 409
    rest = await api.client.post(refund_url, json={}, headers=api.admin)
    assert rest.json()["refunded_amount"] == 1000 and rest.json()["status"] == "refunded"
    assert (await api.client.post(refund_url, json={}, headers=api.admin)).status_code == 404
    history = await api.client.get(
        "/api/v1/admin/payments", params={"user_id": "user-p1"}, headers=api.admin
    )
    [payment] = history.json()["items"]
    assert payment["card_last4"] == "4242" and payment["refunded_amount"] == 1000
    by_sub = await api.client.get(
        f"/api/v1/admin/subscriptions/{sub['id']}/payments", headers=api.admin
    )
    assert by_sub.json()["items"] == history.json()["items"]


async def test_careless_and_hostile_input(api: SubscriptionApi) -> None:
    plan = await api.plan()
    admin, client = api.admin, api.client
    bad_plans = [
        {"name": "", "price_cents": 1},
        {"name": "x", "price_cents": -1},
        {"name": "x", "price_cents": 1, "currency": "reais"},
        {"name": "x", "price_cents": 1, "billing_period": "weekly"},
        {"name": "x", "price_cents": 1, "max_video_height": 100000},
        {"name": "x", "price_cents": 1, "owner": "me"},
        {"name": "x" * 500, "price_cents": 1},
    ]
    for body in bad_plans:
        response = await client.post("/api/v1/admin/plans", json=body, headers=admin)
        assert response.status_code == 422, body
    assert (await client.get("/api/v1/admin/plans/not-a-uuid", headers=admin)).status_code == 422
    listing = "/api/v1/admin/subscriptions"
    for params in ({"status": "sleeping"}, {"limit": 0}, {"limit": 1000}):
        assert (await client.get(listing, params=params, headers=admin)).status_code == 422
    bad_cursor = await client.get(listing, params={"cursor": "%%%not-ours"}, headers=admin)
    assert bad_cursor.status_code == 422  # as every list of every service answers
    assert bad_cursor.json()["errors"][0]["loc"] == ["query", "cursor"]
    no_key = await client.post(
        "/api/v1/subscriptions", json={"plan_id": plan["id"]}, headers=api.auth("user-h")
    )
    assert no_key.status_code == 422
    card = {"type": "card", "number": "4242424242424242", "exp_month": 12, "exp_year": 2030}
    body = {"plan_id": plan["id"], "payment_method": {**card, "cvc": "123"}}
    missing_key = await client.post("/api/v1/subscriptions", json=body, headers=api.auth("user-h"))
    assert missing_key.status_code == 400
    headers = {**api.auth("user-h"), "Idempotency-Key": "h1"}
    for method in (
        {**card, "cvc": "1"},
        {**card, "cvc": "123", "exp_month": 13},
        {**card, "cvc": "123", "type": "pix"},
        {**card, "cvc": "123", "number": "1" * 40},
    ):
        response = await client.post(
            "/api/v1/subscriptions",
            json={"plan_id": plan["id"], "payment_method": method},
            headers=headers,
        )
        assert response.status_code == 422
        assert "4242424242424242" not in response.text
    luhn = {**body, "payment_method": {**card, "cvc": "123", "number": "4242424242424241"}}
    refused = await client.post("/api/v1/subscriptions", json=luhn, headers=headers)
    assert refused.status_code == 402 and refused.json()["reason"] == "incorrect_number"
    too_long = {**api.auth("user-h"), "Idempotency-Key": "k" * 256}
    assert (
        await client.post("/api/v1/subscriptions", json=body, headers=too_long)
    ).status_code == 400
    unknown_plan = {**body, "plan_id": "00000000-0000-0000-0000-000000000000"}
    headers["Idempotency-Key"] = "h2"
    response = await client.post("/api/v1/subscriptions", json=unknown_plan, headers=headers)
    assert response.status_code == 404
    assert api.sandbox.charges == []


async def test_roles_with_real_tokens(identity: IdentityHarness, tmp_path: Path) -> None:
    settings = get_settings(data_dir=tmp_path, scheduler_enabled=False)
    app = create_app(settings, verifier=identity.verifier, clock=FakeClock(START))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://subscription"
        ) as client,
    ):
        url = "/api/v1/admin/subscriptions"
        anonymous = await client.get(url)
        assert anonymous.status_code == 401 and "Bearer" in anonymous.headers["www-authenticate"]
        assert (await client.get(url, headers={"Authorization": "Bearer x.y.z"})).status_code == 401
        assert (await client.get(url, headers=identity.headers(roles=["user"]))).status_code == 403
        admin = identity.headers(roles=["subscription-admin"])
        assert (await client.get(url, headers=admin)).status_code == 200
        assert (await client.get(url, headers=identity.headers(roles=["admin"]))).status_code == 200
        assert (await client.get("/api/v1/subscriptions/me")).status_code == 401
        assert (await client.get("/api/v1/plans")).status_code == 200  # public


async def test_hostile_refunds_and_cancels(api: SubscriptionApi) -> None:
    plan = await api.plan(price_cents=500)
    mine = (await api.subscribe("user-x1", plan["id"])).json()
    other = (await api.subscribe("user-x2", plan["id"])).json()
    others_payment = (
        await api.client.get(
            f"/api/v1/admin/subscriptions/{other['id']}/payments", headers=api.admin
        )
    ).json()["items"][0]["id"]
    refund_url = f"/api/v1/admin/subscriptions/{mine['id']}/refund"
    for body in ({"amount": 0}, {"amount": -5}, {"amount": "all"}, {"payment_id": "nope"}):
        assert (await api.client.post(refund_url, json=body, headers=api.admin)).status_code == 422
    # Another subscription's payment is not this one's to refund.
    crossed = await api.client.post(
        refund_url, json={"payment_id": others_payment}, headers=api.admin
    )
    assert crossed.status_code == 404
    missing = "/api/v1/admin/subscriptions/00000000-0000-0000-0000-000000000000"
    assert (await api.client.post(f"{missing}/cancel", headers=api.admin)).status_code == 404
    assert (
        await api.client.post(f"{missing}/refund", json={}, headers=api.admin)
    ).status_code == 404
    assert (
        await api.client.post(
            f"/api/v1/admin/subscriptions/{mine['id']}/cancel",
            json={"at_period_end": "maybe"},
            headers=api.admin,
        )
    ).status_code == 422
    nobody = await api.client.post("/api/v1/subscriptions/me/cancel", headers=api.auth("user-x9"))
    assert nobody.status_code == 404
    assert (await api.client.get("/api/v1/plans", params={"limit": 101})).status_code == 422
    assert api.sandbox.charges[0].refunded == 0
