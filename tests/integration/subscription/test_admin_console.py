"""What the admin console needs of subscriptions: email search, the dashboard's counts, retiring
a plan."""

from __future__ import annotations

import uuid

from tests.integration.subscription.conftest import LATER, SubscriptionApi

SUBSCRIPTIONS = "/api/v1/admin/subscriptions"
STATS = "/api/v1/admin/subscriptions/stats"


async def listed(api: SubscriptionApi, **params: str) -> list[str]:
    response = await api.client.get(SUBSCRIPTIONS, params=params, headers=api.admin)
    assert response.status_code == 200, response.text
    return sorted(s["user_id"] for s in response.json()["items"])


async def test_subscribers_are_found_by_a_part_of_their_address(api: SubscriptionApi) -> None:
    basic, premium = await api.plan(), await api.plan()
    for user, plan in (("user-ada", basic), ("user-adam", premium), ("user-grace", basic)):
        assert (await api.subscribe(user, plan["id"])).status_code == 201
    found = await api.client.get(SUBSCRIPTIONS, params={"email": "user-ada@"}, headers=api.admin)
    [ada] = found.json()["items"]
    assert ada["email"] == "user-ada@Example.com"  # shown as the subscriber's token gave it
    assert await listed(api, email="ADA") == ["user-ada", "user-adam"]
    assert await listed(api, email="example.COM") == ["user-ada", "user-adam", "user-grace"]
    assert await listed(api, email="ada", plan_id=premium["id"]) == ["user-adam"]
    assert await listed(api, email="grace", status="active") == ["user-grace"]
    assert await listed(api, email="grace", status="canceled") == []
    # LIKE's wildcards are plain characters here.
    assert await listed(api, email="%") == [] and await listed(api, email="_") == []
    assert (await api.me("user-grace"))["email"] == "user-grace@Example.com"


async def test_careless_and_hostile_filters(api: SubscriptionApi) -> None:
    for params in (
        {"email": "x" * 321},
        {"email": "a\0b"},
        {"status": "sleeping"},
        {"plan_id": "not-a-uuid"},
    ):
        response = await api.client.get(SUBSCRIPTIONS, params=params, headers=api.admin)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == "application/problem+json"
    viewer = await api.client.get(SUBSCRIPTIONS, params={"email": "a"}, headers=api.auth("user-v"))
    assert viewer.status_code == 403
    unknown_plan = await api.client.get(
        SUBSCRIPTIONS, params={"plan_id": str(uuid.uuid4())}, headers=api.admin
    )
    assert unknown_plan.json()["items"] == []


async def test_the_dashboard_counts_subscriptions_per_plan_and_status(
    api: SubscriptionApi,
) -> None:
    empty = (await api.client.get(STATS, headers=api.admin)).json()
    assert empty == {
        "active_by_plan": [],
        "subscribers": dict.fromkeys(
            ("pending", "trialing", "active", "past_due", "canceled", "expired"), 0
        ),
    }
    basic, premium = await api.plan(name="basic"), await api.plan(name="premium")
    unused = await api.plan(name="retired", is_active=False)
    for n in range(3):
        await api.subscribe(f"user-b{n}", basic["id"])
    await api.subscribe("user-p0", premium["id"])
    await api.subscribe("user-pending", premium["id"], LATER)  # waits for its payment
    subscription = await api.me("user-b2")
    canceled = await api.client.post(
        f"{SUBSCRIPTIONS}/{subscription['id']}/cancel", headers=api.admin
    )
    assert canceled.status_code == 200
    stats = (await api.client.get(STATS, headers=api.admin)).json()
    assert stats["active_by_plan"] == [
        {"plan_id": basic["id"], "name": "basic", "active": 2},
        {"plan_id": premium["id"], "name": "premium", "active": 1},
        {"plan_id": unused["id"], "name": "retired", "active": 0},
    ]
    assert stats["subscribers"] == {
        "pending": 1, "trialing": 0, "active": 3, "past_due": 0, "canceled": 1, "expired": 0
    }  # fmt: skip
    for headers in (api.auth("user-b0"), api.auth("admin-2", "catalog-admin")):
        refused = await api.client.get(STATS, headers=headers)
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
    assert (await api.client.get(STATS)).status_code == 401


async def test_retiring_a_plan_is_patching_is_active(api: SubscriptionApi) -> None:
    plan = await api.plan()
    await api.subscribe("user-r1", plan["id"])
    url = f"/api/v1/admin/plans/{plan['id']}"
    retired = await api.client.patch(url, json={"is_active": False}, headers=api.admin)
    assert retired.status_code == 200 and retired.json()["is_active"] is False
    offered = (await api.client.get("/api/v1/plans")).json()["items"]
    assert plan["id"] not in [p["id"] for p in offered]
    assert (await api.subscribe("user-r2", plan["id"])).status_code == 409
    assert (await api.me("user-r1"))["status"] == "active"  # subscribers keep it
