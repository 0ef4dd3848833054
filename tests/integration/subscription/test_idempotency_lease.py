"""A request killed half-way does not strand its ``Idempotency-Key``.

A process killed with ``kill -9`` runs no clean-up: its key stays without an answer. While the
key's lease runs, a retry waits (the request might still be working); once the lease has run
out, a retry takes the key over and carries on with what the dead request had created, so the
viewer gets their subscription and the card is charged once.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest

from apis.subscription import idempotency
from apis.subscription.gateway import ChargeResult
from apis.subscription.idempotency import LEASE
from tests.integration.subscription.conftest import SubscriptionApi


async def test_a_retry_after_the_lease_finishes_what_a_killed_request_started(
    api: SubscriptionApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = await api.plan()
    charged, never = asyncio.Event(), asyncio.Event()
    provider_charge = api.sandbox.charge

    async def charge_then_die(**kwargs: Any) -> ChargeResult:
        result = await provider_charge(**kwargs)  # the provider took the money...
        charged.set()
        await never.wait()  # ...and the process dies before it saves the answer
        return result

    async def killed(*args: Any) -> None:
        """A killed process releases nothing."""

    monkeypatch.setattr(idempotency, "_release", killed)
    monkeypatch.setattr(api.sandbox, "charge", charge_then_die)
    first = asyncio.create_task(api.subscribe("user-kill", plan["id"], key="k"))
    await charged.wait()
    first.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await first
    monkeypatch.undo()  # a new process starts, with the real provider and clean-up

    api.clock.advance(seconds=LEASE.total_seconds() - 1)
    monkeypatch.setitem(idempotency.run_once.__kwdefaults__, "wait_seconds", 0.2)
    early = await api.subscribe("user-kill", plan["id"], key="k")
    assert early.status_code == 409, early.text  # the lease still runs: it may be working
    assert "still in progress" in early.json()["detail"]

    api.clock.advance(seconds=2)
    retry = await api.subscribe("user-kill", plan["id"], key="k")
    assert retry.status_code == 201, retry.text
    assert retry.json()["status"] == "active"
    assert len(api.sandbox.charges) == 1  # charged once, by the dead request
    again = await api.subscribe("user-kill", plan["id"], key="k")
    assert again.json() == retry.json()
    page = await api.client.get(
        "/api/v1/admin/subscriptions", params={"user_id": "user-kill"}, headers=api.admin
    )
    assert len(page.json()["items"]) == 1
