"""The subscription API on SQLite and on PostgreSQL, with an injected clock and sandbox."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from apis.subscription.app import create_app
from apis.subscription.config import SubscriptionSettings, get_settings
from apis.subscription.sandbox import SandboxPaymentGateway
from codeflix.auth import InvalidToken, Principal, Verifier
from codeflix.bus import InMemoryBus
from tests.support.clock import FakeClock

SUCCESS, DECLINED, NO_FUNDS, LATER, FAILS_LATER = (
    "4242424242424242",
    "4000000000000002",
    "4000000000009995",
    "4000000000003220",
    "4000000000000341",
)


# Where the tests' clock starts: mid-month, so a month later is an ordinary date.
START = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


class FakeTokenVerifier:
    """Tokens are ``<subject>`` or ``<subject>:<role>,<role>``; anything else is invalid.

    Accounts whose subject starts with ``user-unverified`` have not confirmed their address."""

    async def verify(self, token: str) -> Principal:
        subject, _, roles = token.partition(":")
        if not subject.startswith("user-") and not subject.startswith("admin-"):
            raise InvalidToken("unknown token")
        claims = {"sub": subject, "email_verified": not subject.startswith("user-unverified")}
        return Principal(
            subject=subject,
            email=f"{subject}@Example.com",  # mixed case, as people type addresses
            roles=frozenset(r for r in roles.split(",") if r),
            claims=claims,
        )


@dataclass
class SubscriptionApi:
    client: httpx.AsyncClient
    clock: FakeClock
    sandbox: SandboxPaymentGateway
    bus: InMemoryBus
    app: Any
    settings: SubscriptionSettings

    @staticmethod
    def auth(user: str, *roles: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {user}:{','.join(roles)}"}

    @property
    def admin(self) -> dict[str, str]:
        return self.auth("admin-1", "subscription-admin")

    async def plan(self, **fields: Any) -> dict[str, Any]:
        body = {"name": f"plan-{uuid.uuid4().hex[:12]}", "price_cents": 2990}  # names are unique
        response = await self.client.post(
            "/api/v1/admin/plans", json={**body, **fields}, headers=self.admin
        )
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    async def subscribe(
        self, user: str, plan_id: str, number: str = SUCCESS, key: str | None = None
    ) -> httpx.Response:
        card = {"type": "card", "number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"}
        headers = {**self.auth(user), "Idempotency-Key": key or uuid.uuid4().hex}
        return await self.client.post(
            "/api/v1/subscriptions",
            json={"plan_id": plan_id, "payment_method": card},
            headers=headers,
        )

    async def me(self, user: str) -> dict[str, Any]:
        response = await self.client.get("/api/v1/subscriptions/me", headers=self.auth(user))
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'subscription.db'}"
    return request.getfixturevalue("postgres_url")  # type: ignore[no-any-return]


def build(
    database_url: str,
    tmp_path: Path,
    clock: FakeClock,
    bus: InMemoryBus,
    verifier: Verifier | None = None,
    **overrides: Any,
) -> tuple[SubscriptionSettings, SandboxPaymentGateway, FastAPI]:
    """A subscription app with the scheduler left to the test, on a sandbox provider."""
    settings = get_settings(
        data_dir=tmp_path,
        database_url=database_url,
        scheduler_enabled=False,
        grace_period_days=3,
        retry_backoff_hours=[12, 24],
        **overrides,
    )
    sandbox = SandboxPaymentGateway(webhook_secret=settings.payment_webhook_secret, clock=clock)
    app = create_app(
        settings, verifier=verifier or FakeTokenVerifier(), gateway=sandbox, clock=clock, bus=bus
    )
    return settings, sandbox, app


@pytest.fixture
async def api(database_url: str, tmp_path: Path) -> AsyncIterator[SubscriptionApi]:
    clock, bus = FakeClock(START), InMemoryBus()
    await bus.start()
    settings, sandbox, app = build(database_url, tmp_path, clock, bus)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://subscription") as client,
    ):

        async def deliver(body: bytes, headers: dict[str, str]) -> bool:
            response = await client.post("/api/v1/payments/webhook", content=body, headers=headers)
            assert response.status_code == 200, response.text
            return True

        sandbox.send_webhook = deliver
        yield SubscriptionApi(client, clock, sandbox, bus, app, settings)
    await bus.close()
