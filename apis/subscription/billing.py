"""What a charge's outcome does to a payment and its subscription, wherever it comes from.

The answer of the provider arrives at once (``charge`` returned) or later (a webhook); the
renewal scheduler and the subscribe call both end here, so the rules live in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from apis.subscription import lifecycle
from apis.subscription.config import SubscriptionSettings
from apis.subscription.gateway import ChargeResult, ChargeStatus, PaymentError, PaymentGateway
from apis.subscription.models import Payment, Plan, Subscription
from apis.subscription.states import Status
from codeflix.observability import domain_counter

RENEWABLE = frozenset({Status.TRIALING, Status.ACTIVE, Status.PAST_DUE})


@dataclass(frozen=True)
class BillingRules:
    grace: timedelta
    backoff: list[timedelta]
    pending_timeout: timedelta

    @classmethod
    def from_settings(cls, settings: SubscriptionSettings) -> BillingRules:
        return cls(
            grace=timedelta(days=settings.grace_period_days),
            backoff=[timedelta(hours=h) for h in settings.retry_backoff_hours],
            pending_timeout=timedelta(hours=settings.pending_timeout_hours),
        )


async def charge(
    gateway: PaymentGateway, *, subscription: Subscription, payment: Payment, idempotency_key: str
) -> ChargeResult:
    """Ask the provider for the money; a provider error counts as a failed charge."""
    try:
        result = await gateway.charge(
            token=subscription.card_token,
            amount=payment.amount,
            currency=payment.currency,
            idempotency_key=idempotency_key,
            description=f"Codeflix subscription {subscription.id}",
        )
    except PaymentError as e:
        result = ChargeResult("", ChargeStatus.FAILED, e.code, str(e))
    charges = domain_counter(
        "subscription_charges_total", "Charges asked of the payment provider.", ("kind", "outcome")
    )
    charges.labels(kind=payment.kind, outcome=result.status.value).inc()
    return result


async def apply_charge_result(
    session: AsyncSession,
    *,
    subscription: Subscription,
    plan: Plan,
    payment: Payment,
    status: ChargeStatus,
    failure_code: str | None,
    now: datetime,
    rules: BillingRules,
) -> bool:
    """Settle ``payment`` and move ``subscription`` accordingly (in the caller's transaction).

    Returns False when the money came in but the subscription can no longer use it (it ended
    while the payment was confirming): the caller refunds it.
    """
    if status is ChargeStatus.PENDING:
        if subscription.status != Status.PENDING:
            # A renewal waits for its webhook; look again if it never comes.
            subscription.next_billing_at = now + rules.pending_timeout
        return True
    succeeded = status is ChargeStatus.SUCCEEDED
    lifecycle.settle_payment(payment, succeeded=succeeded, failure_code=failure_code, now=now)
    expected = Status.PENDING if payment.kind == "initial" else Status.ACTIVE
    usable = {Status.PENDING} if payment.kind == "initial" else RENEWABLE
    if subscription.status not in usable:
        return not succeeded  # ended meanwhile (e.g. canceled by an admin)
    if succeeded:
        await lifecycle.paid(session, subscription, plan, now=now)
    elif expected == Status.PENDING:
        await lifecycle.end(session, subscription, plan, Status.EXPIRED, now=now)
    else:
        await lifecycle.charge_failed(
            session, subscription, plan, now=now, grace=rules.grace, backoff=rules.backoff
        )
    return True
