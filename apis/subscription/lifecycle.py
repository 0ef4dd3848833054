"""Status changes with their consequences: new periods, grace, end dates and the event.

Every function here changes a loaded :class:`Subscription` through the state machine and
writes the matching ``subscription.*`` event to the outbox in the caller's transaction.
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from apis.subscription.models import Payment, Plan, Subscription
from apis.subscription.states import Status, transition
from codeflix.events import new_event
from codeflix.outbox import add_to_outbox

PRODUCER = "subscription"


def period_end(plan: Plan, start: datetime) -> datetime:
    return add_months(start, 12 if plan.billing_period == "yearly" else 1)


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus whole calendar months, clamped to the month's last day (Jan 31 → Feb 28)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def active_until(subscription: Subscription) -> datetime:
    """Until when the viewer may watch, as the events announce it."""
    if subscription.status == Status.PAST_DUE and subscription.grace_ends_at is not None:
        return subscription.grace_ends_at
    if subscription.status in (Status.CANCELED, Status.EXPIRED) and subscription.ended_at:
        return subscription.ended_at
    return subscription.current_period_end


async def record_event(
    session: AsyncSession, event_type: str, subscription: Subscription, plan: Plan
) -> None:
    data = {
        "subscription_id": subscription.id,
        "user_id": subscription.user_id,
        "plan_id": subscription.plan_id,
        "status": subscription.status,
        "max_height": plan.max_video_height,
        "active_until": active_until(subscription),
    }
    event = new_event(event_type, data, subject=subscription.id, producer=PRODUCER)
    await add_to_outbox(session, event)


async def start_trial(
    session: AsyncSession, subscription: Subscription, plan: Plan, *, now: datetime
) -> None:
    subscription.status = Status.TRIALING
    subscription.current_period_start = now
    subscription.current_period_end = now + timedelta(days=plan.trial_days)
    subscription.next_billing_at = subscription.current_period_end
    subscription.updated_at = now
    await record_event(session, "subscription.activated", subscription, plan)


async def paid(
    session: AsyncSession, subscription: Subscription, plan: Plan, *, now: datetime
) -> None:
    """A charge for the subscription succeeded: a new period starts."""
    previous = Status(subscription.status)
    subscription.status = (
        transition(previous, Status.ACTIVE) if previous != Status.ACTIVE else previous
    )
    # A renewal paid on time continues the calendar; a first or late payment starts it now.
    start = subscription.current_period_end if previous in (Status.ACTIVE, Status.TRIALING) else now
    subscription.current_period_start = start
    subscription.current_period_end = period_end(plan, start)
    subscription.next_billing_at = subscription.current_period_end
    subscription.grace_ends_at = None
    subscription.retry_count = 0
    subscription.updated_at = now
    renewed = previous in (Status.ACTIVE, Status.PAST_DUE)
    event = "subscription.renewed" if renewed else "subscription.activated"
    await record_event(session, event, subscription, plan)


async def charge_failed(
    session: AsyncSession,
    subscription: Subscription,
    plan: Plan,
    *,
    now: datetime,
    grace: timedelta,
    backoff: list[timedelta],
) -> None:
    """A renewal charge failed: enter or stay past due, and plan the next try."""
    if subscription.status != Status.PAST_DUE:
        subscription.status = transition(subscription.status, Status.PAST_DUE)
        subscription.grace_ends_at = subscription.current_period_end + grace
        subscription.retry_count = 0
        announce = True
    else:
        announce = False
    delay = backoff[min(subscription.retry_count, len(backoff) - 1)]
    subscription.retry_count += 1
    assert subscription.grace_ends_at is not None
    subscription.next_billing_at = min(now + delay, subscription.grace_ends_at)
    subscription.updated_at = now
    if announce:
        await record_event(session, "subscription.past_due", subscription, plan)
    # At the end of the grace period the subscription expires instead of being charged.
    retry_at = subscription.next_billing_at
    failed = {
        "subscription_id": subscription.id,
        "user_id": subscription.user_id,
        "plan_id": subscription.plan_id,
        "amount": plan.price_cents,
        "currency": plan.currency,
        "retry_at": retry_at if retry_at < subscription.grace_ends_at else None,
        "active_until": subscription.grace_ends_at,
    }
    event = new_event(
        "subscription.payment_failed", failed, subject=subscription.id, producer=PRODUCER
    )
    await add_to_outbox(session, event)


async def end(
    session: AsyncSession, subscription: Subscription, plan: Plan, target: Status, *, now: datetime
) -> None:
    """Cancel or expire: final, announced only if the subscription ever played."""
    played = subscription.status != Status.PENDING
    subscription.status = transition(subscription.status, target)
    subscription.ended_at = now
    subscription.next_billing_at = None
    subscription.cancel_at_period_end = False
    if target == Status.CANCELED and subscription.canceled_at is None:
        subscription.canceled_at = now
    subscription.updated_at = now
    if played:
        await record_event(session, f"subscription.{target.value}", subscription, plan)


def settle_payment(
    payment: Payment, *, succeeded: bool, failure_code: str | None, now: datetime
) -> None:
    payment.status = "succeeded" if succeeded else "failed"
    payment.failure_code = None if succeeded else (failure_code or "card_declined")
    payment.updated_at = now
