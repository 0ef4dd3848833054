"""The renewal scheduler: renews, retries, cancels and expires subscriptions when they are due.

It runs inside every replica of the service. Before billing a subscription a replica takes a
lease on its row (a compare-and-set ``UPDATE`` that works on SQLite and PostgreSQL; on
PostgreSQL the candidates are also picked with ``FOR UPDATE SKIP LOCKED``), so two replicas
never bill the same subscription; the provider's idempotency key, derived from the period and
the attempt, guards the charge even if a lease runs out mid-call.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apis.subscription import lifecycle
from apis.subscription.billing import BillingRules, apply_charge_result, charge
from apis.subscription.gateway import PaymentGateway
from apis.subscription.models import (
    IdempotencyRecord,
    Payment,
    Plan,
    ProcessedWebhook,
    Subscription,
    new_id,
)
from apis.subscription.states import LIVE, Status
from codeflix.background import PollingWorker
from codeflix.clock import Clock
from codeflix.unit_of_work import unit_of_work

log = logging.getLogger("codeflix.subscription.renewals")
# A client retries within minutes, a provider redelivers within days: keep the ids longer.
KEEP_IDEMPOTENCY_KEYS = timedelta(days=1)
KEEP_WEBHOOKS = timedelta(days=30)


class RenewalScheduler(PollingWorker):
    """Finds due subscriptions and bills them; ``run_once`` is one pass, ``start`` loops."""

    task_name = "subscription-renewals"

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        gateway: PaymentGateway,
        clock: Clock,
        rules: BillingRules,
        *,
        interval_seconds: float = 30.0,
        lease: timedelta = timedelta(minutes=2),
        batch_size: int = 50,
    ) -> None:
        self.sessions, self.gateway, self.clock, self.rules = sessions, gateway, clock, rules
        self.interval_seconds, self.lease, self.batch_size = interval_seconds, lease, batch_size
        self.owner = f"replica-{secrets.token_hex(6)}"
        super().__init__()

    async def run_once(self) -> int:
        """Bill every subscription due now; returns how many this replica handled."""
        handled = 0
        for subscription_id in await self._claim_due():
            try:
                await self._process(subscription_id)
                handled += 1
            finally:
                await self._release(subscription_id)
        return handled

    async def prune(self) -> int:
        """Forget idempotency keys after a day and webhook ids after a month; returns how many."""
        now = self.clock.now()
        async with unit_of_work(self.sessions) as session:
            keys = await session.execute(
                delete(IdempotencyRecord).where(
                    IdempotencyRecord.created_at < now - KEEP_IDEMPOTENCY_KEYS
                )
            )
            webhooks = await session.execute(
                delete(ProcessedWebhook).where(ProcessedWebhook.received_at < now - KEEP_WEBHOOKS)
            )
        return int(keys.rowcount or 0) + int(webhooks.rowcount or 0)  # type: ignore[attr-defined]

    async def _run(self) -> None:
        passes = 0
        while True:
            try:
                await self.run_once()
                passes += 1
                if passes % 100 == 1:
                    await self.prune()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database may be away; the next pass tries again
                log.warning("renewal pass failed; retrying", exc_info=True)
            await self._sleep(self.interval_seconds)

    async def _claim_due(self) -> list[str]:
        now = self.clock.now()
        free = or_(Subscription.lease_until.is_(None), Subscription.lease_until < now)
        due = (
            select(Subscription.id)
            .where(
                Subscription.status.in_([s.value for s in LIVE]),
                Subscription.next_billing_at <= now,
                free,
            )
            .order_by(Subscription.next_billing_at)
            .limit(self.batch_size)
        )
        claimed: list[str] = []
        async with self.sessions() as session:
            postgres = session.get_bind().dialect.name == "postgresql"
            if postgres:
                due = due.with_for_update(skip_locked=True)
            candidates = list((await session.execute(due)).scalars().all())
            if not postgres:
                await session.commit()  # SQLite: end the read before the writes below
            for subscription_id in candidates:
                result = await session.execute(
                    update(Subscription)
                    .where(Subscription.id == subscription_id, free)
                    .values(lease_owner=self.owner, lease_until=now + self.lease)
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    claimed.append(subscription_id)
                if not postgres:
                    await session.commit()
            await session.commit()
        return claimed

    async def _release(self, subscription_id: str) -> None:
        async with unit_of_work(self.sessions) as session:
            await session.execute(
                update(Subscription)
                .where(Subscription.id == subscription_id, Subscription.lease_owner == self.owner)
                .values(lease_owner=None, lease_until=None)
            )

    async def _process(self, subscription_id: str) -> None:
        prepared = await self._prepare_charge(subscription_id)
        if prepared is None:
            return
        subscription, plan, payment, key = prepared
        result = await charge(
            self.gateway, subscription=subscription, payment=payment, idempotency_key=key
        )
        async with unit_of_work(self.sessions) as session:
            subscription = (
                await session.execute(
                    select(Subscription).where(Subscription.id == subscription_id).with_for_update()
                )
            ).scalar_one()
            if subscription.lease_owner != self.owner:
                # Our lease ran out mid-charge and another replica took over with the same
                # payment and idempotency key: the outcome is the other replica's to apply.
                log.warning("lost the lease on subscription %s while billing", subscription_id)
                return
            payment = await session.get_one(Payment, payment.id)
            payment.provider_charge_id = result.charge_id or None
            await apply_charge_result(
                session,
                subscription=subscription,
                plan=plan,
                payment=payment,
                status=result.status,
                failure_code=result.failure_code,
                now=self.clock.now(),
                rules=self.rules,
            )

    async def _prepare_charge(
        self, subscription_id: str
    ) -> tuple[Subscription, Plan, Payment, str] | None:
        """Settle what is due without a charge, or return the payment to charge and its key."""
        now = self.clock.now()
        async with unit_of_work(self.sessions) as session:
            subscription = await session.get_one(Subscription, subscription_id)
            plan = await session.get_one(Plan, subscription.plan_id)
            pending = await session.execute(
                select(Payment).where(
                    Payment.subscription_id == subscription_id, Payment.status == "pending"
                )
            )
            unconfirmed: list[Payment] = []
            in_flight: list[Payment] = []
            for payment in pending.scalars():
                # With a charge id the provider said "pending" and its webhook never came;
                # without one, a replica died (or lost its lease) while asking the provider.
                (unconfirmed if payment.provider_charge_id else in_flight).append(payment)
            final = subscription.status == Status.PENDING or subscription.cancel_at_period_end
            for payment in unconfirmed + (in_flight if final else []):
                lifecycle.settle_payment(
                    payment, succeeded=False, failure_code="confirmation_timeout", now=now
                )
            if subscription.status == Status.PENDING:
                await lifecycle.end(session, subscription, plan, Status.EXPIRED, now=now)
                return None
            if unconfirmed:
                await lifecycle.charge_failed(
                    session,
                    subscription,
                    plan,
                    now=now,
                    grace=self.rules.grace,
                    backoff=self.rules.backoff,
                )
                return None
            if subscription.cancel_at_period_end:
                await lifecycle.end(session, subscription, plan, Status.CANCELED, now=now)
                return None
            grace_over = (
                subscription.grace_ends_at is not None and now >= subscription.grace_ends_at
            )
            if subscription.status == Status.PAST_DUE and grace_over:
                await lifecycle.end(session, subscription, plan, Status.EXPIRED, now=now)
                return None
            payment = in_flight[0] if in_flight else self._new_payment(subscription, plan, now)
            session.add(payment)
            # Same period and attempt, same key: the provider never charges it twice.
            period = subscription.current_period_end.isoformat()
            key = f"renew_{subscription.id}_{period}_{subscription.retry_count}"
        return subscription, plan, payment, key

    @staticmethod
    def _new_payment(subscription: Subscription, plan: Plan, now: datetime) -> Payment:
        return Payment(
            id=new_id(),
            subscription_id=subscription.id,
            user_id=subscription.user_id,
            kind="renewal",
            amount=plan.price_cents,
            currency=plan.currency,
            status="pending",
            card_brand=subscription.card_brand,
            card_last4=subscription.card_last4,
            created_at=now,
            updated_at=now,
        )
