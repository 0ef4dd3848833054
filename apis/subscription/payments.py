"""The provider's side of payments: signed webhooks that settle charges, refunds, history."""

from __future__ import annotations

import json
import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apis.subscription.billing import BillingRules, apply_charge_result
from apis.subscription.gateway import ChargeStatus, PaymentError, PaymentGateway
from apis.subscription.models import Payment, Plan, ProcessedWebhook, Refund, Subscription, new_id
from apis.subscription.schemas import PaymentPage, PaymentPublic
from apis.subscription.webhooks import WebhookRejected, verify
from codeflix.pagination import fetch_page, newest_first
from codeflix.problems import BadRequest, Conflict, NotFound, Problem
from codeflix.unit_of_work import unit_of_work

log = logging.getLogger("codeflix.subscription.payments")
OUTCOMES = {"charge.succeeded": ChargeStatus.SUCCEEDED, "charge.failed": ChargeStatus.FAILED}


def _parse_event(body: bytes) -> tuple[str, str, str, str | None]:
    """(event id, type, charge id, failure code) of a webhook body, or BadRequest."""
    try:
        event = json.loads(body)
        event_id, event_type = event["id"], event["type"]
        data = event["data"]
        charge_id, failure_code = data["charge_id"], data.get("failure_code")
    except (ValueError, KeyError, TypeError, AttributeError):
        raise BadRequest("the webhook body is not a payment event") from None
    fields = (event_id, event_type, charge_id)
    if not all(isinstance(v, str) and 0 < len(v) <= 100 for v in fields):
        raise BadRequest("the webhook event has invalid ids")
    if failure_code is not None and not isinstance(failure_code, str):
        raise BadRequest("the webhook event has an invalid failure code")
    return event_id, event_type, charge_id, failure_code


async def handle_webhook(
    *,
    sessions: async_sessionmaker[AsyncSession],
    gateway: PaymentGateway,
    rules: BillingRules,
    secret: str,
    tolerance: int,
    now: datetime,
    body: bytes,
    signature: str | None,
) -> str:
    """Act on one signed provider event; returns what happened. Replays are refused (409).

    Money that arrives for a subscription that ended meanwhile is refunded at once.
    """
    try:
        verify(secret, body, signature, now=now, tolerance=tolerance)
    except WebhookRejected as e:
        raise BadRequest(f"webhook refused: {e}", reason=e.reason) from None
    event_id, event_type, charge_id, failure_code = _parse_event(body)
    try:
        async with unit_of_work(sessions) as session:
            session.add(ProcessedWebhook(event_id=event_id, type=event_type, received_at=now))
            await session.flush()  # a replay stops here, before anything changes
            outcome = OUTCOMES.get(event_type)
            if outcome is None:
                return "ignored"
            query = select(Payment).where(Payment.provider_charge_id == charge_id)
            payment = (await session.execute(query.with_for_update())).scalar_one_or_none()
            if payment is None:
                # Not recorded: the provider retries, and we may not have stored the charge yet.
                raise NotFound(f"no payment for charge {charge_id}")
            # We gave up waiting, but the provider's word on the money wins.
            late = payment.status == "failed" and payment.failure_code == "confirmation_timeout"
            if payment.status != "pending" and not (late and outcome is ChargeStatus.SUCCEEDED):
                return "already settled"
            subscription = (
                await session.execute(
                    select(Subscription)
                    .where(Subscription.id == payment.subscription_id)
                    .with_for_update()
                )
            ).scalar_one()
            plan = await session.get_one(Plan, subscription.plan_id)
            used = await apply_charge_result(
                session,
                subscription=subscription,
                plan=plan,
                payment=payment,
                status=outcome,
                failure_code=failure_code,
                now=now,
                rules=rules,
            )
    except IntegrityError:
        raise Conflict("this webhook event was already processed", reason="replayed") from None
    if used:
        return "settled"
    try:
        await refund(
            sessions=sessions,
            gateway=gateway,
            now=now,
            subscription_id=payment.subscription_id,
            payment_id=payment.id,
            amount=None,
            reason="the subscription had ended when the payment confirmed",
        )
    except Problem:
        log.error("could not refund payment %s of an ended subscription", payment.id)
        return "settled; refund failed"
    return "refunded"


async def refund(
    *,
    sessions: async_sessionmaker[AsyncSession],
    gateway: PaymentGateway,
    now: datetime,
    subscription_id: str,
    payment_id: str | None,
    amount: int | None,
    reason: str,
) -> PaymentPublic:
    """Give money back for one of a subscription's paid payments (default: its latest)."""
    async with sessions() as session:
        query = select(Payment).where(
            Payment.subscription_id == subscription_id, Payment.status == "succeeded"
        )
        if payment_id is not None:
            query = query.where(Payment.id == payment_id)
        payment = (
            await session.execute(query.order_by(Payment.created_at.desc()).limit(1))
        ).scalar_one_or_none()
    if payment is None or payment.provider_charge_id is None:
        raise NotFound("the subscription has no such paid payment to refund")
    refunded_before = payment.refunded_amount
    left = payment.amount - refunded_before
    amount = left if amount is None else amount
    if amount <= 0 or amount > left:
        raise Conflict(f"only {left} {payment.currency} cents are left to refund")
    try:
        result = await gateway.refund(
            charge_id=payment.provider_charge_id,
            amount=amount,
            idempotency_key=f"refund_{payment.id}_{refunded_before}_{amount}",
        )
    except PaymentError as e:
        raise Conflict(f"the provider refused the refund: {e}", reason=e.code) from None
    async with unit_of_work(sessions) as session:
        locked = (
            await session.execute(select(Payment).where(Payment.id == payment.id).with_for_update())
        ).scalar_one()
        if locked.refunded_amount != refunded_before:
            raise Conflict("another refund of this payment happened meanwhile; look again")
        locked.refunded_amount += amount
        if locked.refunded_amount == locked.amount:
            locked.status = "refunded"
        locked.updated_at = now
        session.add(
            Refund(
                id=new_id(),
                payment_id=locked.id,
                amount=amount,
                provider_refund_id=result.refund_id,
                reason=reason,
                created_at=now,
            )
        )
    log.info("refunded %s cents of payment %s", amount, payment.id)
    return PaymentPublic.model_validate(locked)


async def payment_history(
    *,
    session: AsyncSession,
    user_id: str | None = None,
    subscription_id: str | None = None,
    cursor: str | None,
    limit: int,
) -> PaymentPage:
    query = select(Payment)
    if user_id is not None:
        query = query.where(Payment.user_id == user_id)
    if subscription_id is not None:
        query = query.where(Payment.subscription_id == subscription_id)
    rows, next_cursor = await fetch_page(
        session, query, ordering=newest_first(Payment), cursor=cursor, limit=limit
    )
    return PaymentPage(
        items=[PaymentPublic.model_validate(r) for r in rows], next_cursor=next_cursor
    )
