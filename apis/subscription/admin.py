"""What subscription admins do: look for subscriptions, cancel them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from apis.subscription.models import Subscription
from apis.subscription.schemas import SubscriptionPage, SubscriptionPublic
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
    cursor: str | None,
    limit: int,
) -> SubscriptionPage:
    query = select(Subscription)
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
