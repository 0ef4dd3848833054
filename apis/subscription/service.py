"""Subscribing, looking at and canceling one's own subscription."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apis.subscription import lifecycle
from apis.subscription.billing import BillingRules, apply_charge_result, charge
from apis.subscription.gateway import CardDetails, CardRejected, ChargeStatus, PaymentGateway
from apis.subscription.models import Payment, Plan, Subscription, new_id
from apis.subscription.schemas import CardPublic, SubscriptionPublic
from apis.subscription.states import LIVE, Status
from codeflix.clock import Clock
from codeflix.problems import Conflict, NotFound, PaymentRequired
from codeflix.unit_of_work import unit_of_work


def to_public(subscription: Subscription) -> SubscriptionPublic:
    return SubscriptionPublic.model_validate(
        {
            **{c: getattr(subscription, c) for c in SubscriptionPublic.model_fields if c != "card"},
            "card": CardPublic(brand=subscription.card_brand, last4=subscription.card_last4),
        }
    )


async def live_subscription(
    session: AsyncSession, *, user_id: str, for_update: bool = False
) -> Subscription | None:
    query = select(Subscription).where(
        Subscription.user_id == user_id, Subscription.status.in_([s.value for s in LIVE])
    )
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def subscribe(
    *,
    sessions: async_sessionmaker[AsyncSession],
    gateway: PaymentGateway,
    clock: Clock,
    rules: BillingRules,
    user_id: str,
    email: str | None,
    plan_id: str,
    card: CardDetails,
    on_created: Callable[[AsyncSession, str], Awaitable[None]] | None = None,
) -> SubscriptionPublic:
    """Start a subscription: a trial, or a first charge that activates it (402 if refused).

    ``on_created`` runs in the transaction that creates the pending subscription, with its
    id (the Idempotency-Key records it there, so a retry can carry on with it).
    """
    async with sessions() as session:
        plan = await session.get(Plan, plan_id)
        if plan is None:
            raise NotFound(f"there is no plan {plan_id}")
        if not plan.is_active:
            raise Conflict(f"the plan {plan.name!r} is no longer offered")
        existing = await live_subscription(session, user_id=user_id)
        if existing is not None:
            raise Conflict(
                f"you already have a subscription ({existing.status})",
                subscription_id=existing.id,
            )
    try:
        stored = await gateway.tokenize(card)
    except CardRejected as e:
        raise PaymentRequired(f"the card was refused: {e}", reason=e.code) from None
    now = clock.now()
    subscription = Subscription(
        id=new_id(),
        user_id=user_id,
        email=email,
        plan_id=plan.id,
        status=Status.PENDING.value,
        current_period_start=now,
        current_period_end=now,
        next_billing_at=now + rules.pending_timeout,
        card_token=stored.token,
        card_brand=stored.brand,
        card_last4=stored.last4,
        created_at=now,
        updated_at=now,
    )
    payment = Payment(
        id=new_id(),
        subscription_id=subscription.id,
        user_id=user_id,
        kind="initial",
        amount=plan.price_cents,
        currency=plan.currency,
        status="pending",
        card_brand=stored.brand,
        card_last4=stored.last4,
        created_at=now,
        updated_at=now,
    )
    trial = plan.trial_days > 0
    try:
        async with unit_of_work(sessions) as session:
            session.add(subscription)
            await session.flush()  # the payment below refers to it
            if trial:
                await lifecycle.start_trial(session, subscription, plan, now=now)
            else:
                session.add(payment)
            if on_created is not None:
                await on_created(session, subscription.id)
    except IntegrityError:
        raise Conflict("you already have a subscription") from None
    if trial:
        return to_public(subscription)
    return await _first_charge(
        sessions=sessions, gateway=gateway, clock=clock, rules=rules,
        subscription=subscription, payment=payment, plan=plan,
    )  # fmt: skip


async def carry_on(
    *,
    sessions: async_sessionmaker[AsyncSession],
    gateway: PaymentGateway,
    clock: Clock,
    rules: BillingRules,
    user_id: str,
    subscription_id: str,
) -> SubscriptionPublic:
    """Finish a subscription that an earlier attempt of the same request created.

    The attempt may have stopped before, during or after the first charge: charging again
    with the payment's own idempotency key gets the provider's first answer, not a second
    charge, and a payment already settled is only reported.
    """
    async with sessions() as session:
        subscription = await session.get(Subscription, subscription_id)
        if subscription is None or subscription.user_id != user_id:
            raise NotFound(f"there is no subscription {subscription_id}")
        plan = await session.get_one(Plan, subscription.plan_id)
        payment = (
            await session.execute(
                select(Payment).where(
                    Payment.subscription_id == subscription_id, Payment.kind == "initial"
                )
            )
        ).scalar_one_or_none()
    if subscription.status == Status.PENDING and payment is not None:
        if payment.status == "pending" and payment.provider_charge_id is None:
            return await _first_charge(
                sessions=sessions, gateway=gateway, clock=clock, rules=rules,
                subscription=subscription, payment=payment, plan=plan,
            )  # fmt: skip
    if payment is not None and payment.status == "failed":
        raise PaymentRequired(
            f"the payment failed: {payment.failure_code}",
            reason=payment.failure_code,
            subscription_id=subscription.id,
        )
    return to_public(subscription)


async def _first_charge(
    *,
    sessions: async_sessionmaker[AsyncSession],
    gateway: PaymentGateway,
    clock: Clock,
    rules: BillingRules,
    subscription: Subscription,
    payment: Payment,
    plan: Plan,
) -> SubscriptionPublic:
    """Charge a pending subscription's first payment and settle both (402 if it failed)."""
    result = await charge(
        gateway, subscription=subscription, payment=payment, idempotency_key=f"pay_{payment.id}"
    )
    async with unit_of_work(sessions) as session:
        subscription = await _get_locked(session, subscription.id)
        payment = await session.get_one(Payment, payment.id)
        if payment.status == "pending":  # else a twin settled it while we were charging
            payment.provider_charge_id = result.charge_id or None
            await apply_charge_result(
                session,
                subscription=subscription,
                plan=plan,
                payment=payment,
                status=result.status,
                failure_code=result.failure_code,
                now=clock.now(),
                rules=rules,
            )
    if result.status is ChargeStatus.FAILED:
        raise PaymentRequired(
            f"the payment failed: {result.failure_message or result.failure_code}",
            reason=result.failure_code,
            subscription_id=subscription.id,
        )
    return to_public(subscription)


async def _get_locked(session: AsyncSession, subscription_id: str) -> Subscription:
    query = select(Subscription).where(Subscription.id == subscription_id).with_for_update()
    return (await session.execute(query)).scalar_one()


async def my_subscription(*, session: AsyncSession, user_id: str) -> SubscriptionPublic:
    """The user's live subscription, or else their latest one."""
    subscription = await live_subscription(session, user_id=user_id)
    if subscription is None:
        query = (
            select(Subscription)
            .where(Subscription.user_id == user_id)
            .order_by(Subscription.created_at.desc(), Subscription.id.desc())
            .limit(1)
        )
        subscription = (await session.execute(query)).scalar_one_or_none()
    if subscription is None:
        raise NotFound("you have no subscription")
    return to_public(subscription)


async def cancel(
    session: AsyncSession, subscription: Subscription, *, at_period_end: bool, now: datetime
) -> None:
    """Cancel now, or when the paid period ends (only a trial or a paid period can wait)."""
    plan = await session.get_one(Plan, subscription.plan_id)
    waits = subscription.status in (Status.TRIALING, Status.ACTIVE)
    if at_period_end and waits:
        if subscription.cancel_at_period_end:
            raise Conflict("the subscription is already set to end with its period")
        subscription.cancel_at_period_end = True
        subscription.canceled_at = now
        subscription.updated_at = now
        return
    await lifecycle.end(session, subscription, plan, Status.CANCELED, now=now)


async def cancel_mine(
    *, sessions: async_sessionmaker[AsyncSession], clock: Clock, user_id: str
) -> SubscriptionPublic:
    """The user cancels: it ends with the paid period (a past-due one ends at once)."""
    async with unit_of_work(sessions) as session:
        subscription = await live_subscription(session, user_id=user_id, for_update=True)
        if subscription is None:
            raise NotFound("you have no subscription to cancel")
        if subscription.status == Status.PENDING:
            raise Conflict("your first payment is still confirming; cancel once it has")
        await cancel(session, subscription, at_period_end=True, now=clock.now())
    return to_public(subscription)
