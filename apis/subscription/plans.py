"""Plans: what a viewer can subscribe to, managed by subscription admins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from apis.subscription.models import Plan, Subscription, new_id
from apis.subscription.schemas import PlanCreate, PlanPage, PlanPublic, PlanUpdate
from codeflix.pagination import fetch_page, newest_first
from codeflix.problems import Conflict, NotFound

# Seeded by the embedded platform so it can be used end to end at once.
DEFAULT_PLANS = (
    PlanCreate(
        name="basic",
        description="Watch on one screen in HD (up to 720p).",
        price_cents=1990,
        billing_period="monthly",
        max_video_height=720,
    ),
    PlanCreate(
        name="premium",
        description="Everything in Full HD and above (1080p and up).",
        price_cents=3990,
        billing_period="monthly",
        max_video_height=None,
    ),
)


async def list_plans(
    *, session: AsyncSession, active_only: bool, cursor: str | None, limit: int
) -> PlanPage:
    query = select(Plan)
    if active_only:
        query = query.where(Plan.is_active.is_(True))
    rows, next_cursor = await fetch_page(
        session, query, ordering=newest_first(Plan), cursor=cursor, limit=limit
    )
    return PlanPage(items=[PlanPublic.model_validate(r) for r in rows], next_cursor=next_cursor)


async def get_plan(*, session: AsyncSession, plan_id: str) -> Plan:
    plan = await session.get(Plan, plan_id)
    if plan is None:
        raise NotFound(f"there is no plan {plan_id}")
    return plan


async def create_plan(*, session: AsyncSession, plan_in: PlanCreate, now: datetime) -> PlanPublic:
    plan = Plan(id=new_id(), **plan_in.model_dump(), created_at=now, updated_at=now)
    session.add(plan)
    await _flush_unique_name(session, plan_in.name)
    return PlanPublic.model_validate(plan)


async def update_plan(
    *, session: AsyncSession, plan_id: str, changes: PlanUpdate, now: datetime
) -> PlanPublic:
    """Change a plan; subscribers pay the new price from their next renewal."""
    plan = await get_plan(session=session, plan_id=plan_id)
    for name, value in changes.model_dump(exclude_unset=True).items():
        if value is None and name != "max_video_height":
            continue  # null means "leave as is", except for the height where it means no limit
        setattr(plan, name, value)
    plan.updated_at = now
    await _flush_unique_name(session, plan.name)
    return PlanPublic.model_validate(plan)


async def delete_plan(*, session: AsyncSession, plan_id: str) -> None:
    """Delete a plan nobody ever subscribed to; deactivate it otherwise."""
    plan = await get_plan(session=session, plan_id=plan_id)
    used = await session.scalar(
        select(func.count()).select_from(Subscription).where(Subscription.plan_id == plan_id)
    )
    if used:
        raise Conflict(
            f"the plan {plan.name!r} has subscriptions; deactivate it (is_active false) instead"
        )
    await session.delete(plan)


async def seed_default_plans(*, session: AsyncSession, now: datetime) -> int:
    """Create the basic and premium plans when no plan exists yet; returns how many."""
    if await session.scalar(select(func.count()).select_from(Plan)):
        return 0
    for plan_in in DEFAULT_PLANS:
        session.add(Plan(id=new_id(), **plan_in.model_dump(), created_at=now, updated_at=now))
    return len(DEFAULT_PLANS)


async def _flush_unique_name(session: AsyncSession, name: str) -> None:
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict(f"a plan named {name!r} already exists") from None
