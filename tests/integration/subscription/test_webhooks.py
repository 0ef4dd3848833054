"""The payment webhook refuses forged, stale and replayed callbacks, and they change nothing."""

from __future__ import annotations

import json

from apis.subscription.webhooks import SIGNATURE_HEADER, sign
from tests.integration.subscription.conftest import LATER, SubscriptionApi


async def pending_charge(api: SubscriptionApi, user: str) -> str:
    plan = await api.plan()
    assert (await api.subscribe(user, plan["id"], LATER)).json()["status"] == "pending"
    return api.sandbox.charges[-1].charge_id


def event_body(charge_id: str, event_id: str = "evt_1") -> bytes:
    return json.dumps(
        {"id": event_id, "type": "charge.succeeded", "data": {"charge_id": charge_id}}
    ).encode()


async def post(api: SubscriptionApi, body: bytes, signature: str | None) -> int:
    headers = {"content-type": "application/json"}
    if signature is not None:
        headers[SIGNATURE_HEADER] = signature
    response = await api.client.post("/api/v1/payments/webhook", content=body, headers=headers)
    return response.status_code


def now(api: SubscriptionApi) -> int:
    return int(api.clock.now().timestamp())


async def test_forged_stale_and_unsigned_webhooks_change_nothing(api: SubscriptionApi) -> None:
    charge_id = await pending_charge(api, "user-w1")
    body = event_body(charge_id)
    secret = api.settings.payment_webhook_secret
    assert await post(api, body, None) == 400
    assert await post(api, body, sign("not-the-secret", body, timestamp=now(api))) == 400
    assert await post(api, body, "t=abc,v1=zz") == 400
    assert await post(api, body, sign(secret, body, timestamp=now(api) - 3600)) == 400
    tampered = body.replace(b"charge.succeeded", b"charge.failed")
    assert await post(api, tampered, sign(secret, body, timestamp=now(api))) == 400
    assert (await api.me("user-w1"))["status"] == "pending"


async def test_a_replayed_webhook_is_refused(api: SubscriptionApi) -> None:
    charge_id = await pending_charge(api, "user-w2")
    body = event_body(charge_id, "evt_replay")
    signature = sign(api.settings.payment_webhook_secret, body, timestamp=now(api))
    assert await post(api, body, signature) == 200
    assert (await api.me("user-w2"))["status"] == "active"
    assert await post(api, body, signature) == 409


async def test_a_failed_charge_webhook_expires_the_pending_subscription(
    api: SubscriptionApi,
) -> None:
    charge_id = await pending_charge(api, "user-w3")
    body = json.dumps(
        {
            "id": "evt_fail",
            "type": "charge.failed",
            "data": {"charge_id": charge_id, "failure_code": "card_declined"},
        }
    ).encode()
    assert (
        await post(api, body, sign(api.settings.payment_webhook_secret, body, timestamp=now(api)))
        == 200
    )
    assert (await api.me("user-w3"))["status"] == "expired"


async def test_garbage_bodies_and_unknown_charges(api: SubscriptionApi) -> None:
    secret = api.settings.payment_webhook_secret
    for body in (b"", b"[]", b"{", b'{"id": 1}', b'{"id":"e","type":"charge.succeeded","data":{}}'):
        assert await post(api, body, sign(secret, body, timestamp=now(api))) == 400
    unknown = event_body("ch_nobody", "evt_unknown")
    assert await post(api, unknown, sign(secret, unknown, timestamp=now(api))) == 404
    # Not recorded: the provider may retry once we know the charge.
    assert await post(api, unknown, sign(secret, unknown, timestamp=now(api))) == 404


async def test_an_oversized_body_is_refused(api: SubscriptionApi) -> None:
    body = b'{"id": "evt_big", "pad": "' + b"x" * 100_000 + b'"}'
    assert (
        await post(api, body, sign(api.settings.payment_webhook_secret, body, timestamp=now(api)))
        == 400
    )


async def test_money_for_an_ended_subscription_is_refunded(api: SubscriptionApi) -> None:
    await pending_charge(api, "user-w4")
    sub = await api.me("user-w4")
    canceled = await api.client.post(
        f"/api/v1/admin/subscriptions/{sub['id']}/cancel", headers=api.admin
    )
    assert canceled.json()["status"] == "canceled"
    assert await api.sandbox.confirm_pending() == 1  # the provider took the money after all
    assert (await api.me("user-w4"))["status"] == "canceled"
    history = await api.client.get("/api/v1/subscriptions/me/payments", headers=api.auth("user-w4"))
    [payment] = history.json()["items"]
    assert payment["status"] == "refunded" and payment["refunded_amount"] == payment["amount"]
    assert api.sandbox.charges[0].refunded == payment["amount"]
