"""An ``Idempotency-Key`` whose request failed because the database went away is not stranded.

The first request with a key writes a row, then fails when the database goes away in the
middle of it; releasing the key then fails too. Without a retry the row stays "in progress"
and every retry of the key gets 409 until it expires (the chaos test found a viewer stuck like
that after a PostgreSQL restart). The key must be released once the database is back, and the
retry served: run again when the first attempt created nothing, carried on when it had
already written the pending subscription (not answered "you already have a subscription").
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apis.subscription import service
from apis.subscription.billing import BillingRules
from apis.subscription.database import SCHEMA
from apis.subscription.gateway import CardDetails, ChargeResult
from apis.subscription.idempotency import Answer, Claim, run_once
from apis.subscription.models import IdempotencyRecord, Payment, Plan, Subscription
from apis.subscription.sandbox import SandboxPaymentGateway
from codeflix.clock import SystemClock
from codeflix.db import create_engine
from codeflix.migrations import upgrade

CLOCK = SystemClock()
PLAN_ID = str(uuid.uuid4())
RULES = BillingRules(
    grace=timedelta(days=3), backoff=[timedelta(hours=12)], pending_timeout=timedelta(hours=1)
)


class FlakyDatabase:
    """A session factory that refuses to connect while ``down`` is set, as a restart would."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions, self.down, self.refused = sessions, False, 0

    def __call__(self) -> Any:
        if self.down:
            self.refused += 1
            raise OperationalError("connect", {}, ConnectionRefusedError(111, "refused"))
        return self.sessions()

    def restart(self, seconds: float = 0.5) -> None:
        """Go away now and come back after ``seconds``."""
        self.down = True
        asyncio.get_running_loop().call_later(seconds, setattr, self, "down", False)


@pytest.fixture
async def database(tmp_path: Path) -> Any:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'subscription.db'}")
    await upgrade(engine, SCHEMA)
    yield FlakyDatabase(async_sessionmaker(engine, expire_on_commit=False))
    await engine.dispose()


async def count(database: FlakyDatabase, model: Any) -> int:
    async with database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_key_failed_by_an_outage_is_freed_once_the_database_is_back(
    database: FlakyDatabase,
) -> None:
    key = {"user_id": "viewer-1", "key": "k-1", "fingerprint": "f" * 64}

    async def fails_as_the_database_goes_away(claim: Claim) -> Answer:
        database.restart()
        raise OperationalError("insert", {}, ConnectionResetError(104, "reset"))

    async def succeeds(claim: Claim) -> Answer:
        assert claim.created_id is None  # the first attempt created nothing
        return 201, {"id": "sub-1"}

    with pytest.raises(OperationalError):
        await run_once(
            sessions=database, clock=CLOCK, wait_seconds=1,
            operation=fails_as_the_database_goes_away, **key,
        )  # fmt: skip
    assert database.refused >= 1  # releasing the key met the outage and waited it out
    answer = await run_once(
        sessions=database, clock=CLOCK, wait_seconds=1, operation=succeeds, **key
    )
    assert answer == (201, {"id": "sub-1"})
    assert await count(database, IdempotencyRecord) == 1


class ChargesThenLosesTheDatabase(SandboxPaymentGateway):
    """The provider charges the card, then the database restarts before the answer is saved."""

    database: FlakyDatabase | None = None

    async def charge(self, **kwargs: Any) -> ChargeResult:
        result = await super().charge(**kwargs)
        if self.database is not None:
            self.database.restart()
            self.database = None  # once
        return result


async def test_a_retry_carries_on_with_the_subscription_its_first_attempt_created(
    database: FlakyDatabase,
) -> None:
    now = datetime.now(UTC)
    async with database.sessions() as session, session.begin():
        session.add(
            Plan(
                id=PLAN_ID, name="Basic", price_cents=1990, billing_period="monthly",
                created_at=now, updated_at=now,
            )
        )  # fmt: skip
    gateway = ChargesThenLosesTheDatabase(webhook_secret="s" * 32, clock=CLOCK)
    gateway.database = database
    card = CardDetails("4242424242424242", 12, 2030, "123")

    async def subscribe(claim: Claim) -> Answer:
        common: dict[str, Any] = {
            "sessions": database, "gateway": gateway, "clock": CLOCK, "rules": RULES,
            "user_id": "viewer-2",
        }  # fmt: skip
        if claim.created_id is not None:
            created = await service.carry_on(**common, subscription_id=claim.created_id)
        else:
            created = await service.subscribe(
                **common, email=None, plan_id=PLAN_ID, card=card, on_created=claim.bind
            )
        return 201, created.model_dump(mode="json")

    key = {"user_id": "viewer-2", "key": "k-2", "fingerprint": "f" * 64}
    with pytest.raises(OperationalError):
        await run_once(sessions=database, clock=CLOCK, wait_seconds=1, operation=subscribe, **key)
    assert await count(database, Subscription) == 1  # pending, its charge made but not saved

    status, body = await run_once(
        sessions=database, clock=CLOCK, wait_seconds=1, operation=subscribe, **key
    )
    assert status == 201, body
    assert body["status"] == "active"
    assert await count(database, Subscription) == 1
    assert len(gateway.charges) == 1  # the retry got the provider's first answer
    async with database.sessions() as session:
        payment = (await session.execute(select(Payment))).scalar_one()
    assert payment.status == "succeeded"
    assert payment.provider_charge_id == gateway.charges[0].charge_id
