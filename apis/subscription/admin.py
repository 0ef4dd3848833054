"""What subscription admins do: look for subscriptions, cancel them, count them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from apis.subscription.models import Plan, Subscription
from apis.subscription.schemas import (
    PlanActive,
    SubscriptionPage,
    SubscriptionPublic,
    SubscriptionStats,
)
from apis.subscription.service import cancel, to_public
from apis.subscription.states import LIVE, Status
from codeflix.pagination import fetch_page, newest_first
from codeflix.problems import Conflict, NotFound


async def list_subscriptions(
    *,
    session: AsyncSession,
    status: Status | None,
    user_id: str | None,
    plan_id: str | None,
    email: str | None = None,
    cursor: str | None,
    limit: int,
) -> SubscriptionPage:
    query = select(Subscription)
    if email:  # a part of the address, whatever its case
        needle = email.lower()
        query = query.where(func.lower(Subscription.email).contains(needle, autoescape=True))
    if status is not None:
        query = query.where(Subscription.status == status.value)
    if user_id is not None:
        query = query.where(Subscription.user_id == user_id)
    if plan_id is not None:
        query = query.where(Subscription.plan_id == plan_id)
    rows, next_cursor = await fetch_page(
        session, query, ordering=newest_first(Subscription), cursor=cursor, limit=limit
    )
    return SubscriptionPage(items=[to_public(r) for r in rows], next_cursor=next_cursor)


async def get_subscription(
    *, session: AsyncSession, subscription_id: str, for_update: bool = False
) -> Subscription:
    query = select(Subscription).where(Subscription.id == subscription_id)
    if for_update:
        query = query.with_for_update()
    subscription = (await session.execute(query)).scalar_one_or_none()
    if subscription is None:
        raise NotFound(f"there is no subscription {subscription_id}")
    return subscription


async def admin_cancel(
    *, session: AsyncSession, subscription_id: str, at_period_end: bool, now: datetime
) -> SubscriptionPublic:
    """Cancel any live subscription, at once or at the end of its paid period."""
    subscription = await get_subscription(
        session=session, subscription_id=subscription_id, for_update=True
    )
    if subscription.status not in LIVE:
        raise Conflict(f"the subscription is already {subscription.status}")
    await cancel(session, subscription, at_period_end=at_period_end, now=now)
    return to_public(subscription)


PLAYING = (Status.TRIALING.value, Status.ACTIVE.value, Status.PAST_DUE.value)


async def subscription_stats(*, session: AsyncSession) -> SubscriptionStats:
    """Subscriptions that play now, per plan, and every subscription by status."""
    playing = func.count(Subscription.id).filter(Subscription.status.in_(PLAYING))
    per_plan = await session.execute(
        select(Plan.id, Plan.name, playing)
        .outerjoin(Subscription, Subscription.plan_id == Plan.id)
        .group_by(Plan.id, Plan.name)
        .order_by(Plan.name)
    )
    by_status = dict.fromkeys((s.value for s in Status), 0)
    counted = await session.execute(
        select(Subscription.status, func.count()).group_by(Subscription.status)
    )
    for status, count in counted:
        by_status[status] = count
    return SubscriptionStats(
        active_by_plan=[
            PlanActive(plan_id=uuid.UUID(plan_id), name=name, active=active)
            for plan_id, name, active in per_plan
        ],
        subscribers=by_status,
    )
