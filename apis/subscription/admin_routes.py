"""Subscription admins' endpoints: plans, subscriptions, payments and refunds."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from apis.subscription import admin, payments, plans
from apis.subscription.deps import DEFAULT_PAGE, AdminUser, Cursor, Limit, ServicesDep, SessionDep
from apis.subscription.schemas import (
    AdminCancel,
    PaymentPage,
    PaymentPublic,
    PlanCreate,
    PlanPage,
    PlanPublic,
    PlanUpdate,
    RefundCreate,
    SubscriptionPage,
    SubscriptionPublic,
    SubscriptionStats,
)
from apis.subscription.service import to_public
from apis.subscription.states import Status
from codeflix.text import StorableText

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])


@router.get("/plans", response_model=PlanPage)
async def list_all_plans(
    _: AdminUser, session: SessionDep, cursor: Cursor = None, limit: Limit = DEFAULT_PAGE
) -> PlanPage:
    """Every plan, inactive ones included."""
    return await plans.list_plans(session=session, active_only=False, cursor=cursor, limit=limit)


@router.post("/plans", status_code=201, response_model=PlanPublic)
async def create_plan(
    plan_in: PlanCreate, _: AdminUser, session: SessionDep, ctx: ServicesDep
) -> PlanPublic:
    """Create a plan."""
    return await plans.create_plan(session=session, plan_in=plan_in, now=ctx.clock.now())


@router.get("/plans/{plan_id}", response_model=PlanPublic)
async def get_plan(plan_id: uuid.UUID, _: AdminUser, session: SessionDep) -> PlanPublic:
    """One plan."""
    return PlanPublic.model_validate(await plans.get_plan(session=session, plan_id=str(plan_id)))


@router.patch("/plans/{plan_id}", response_model=PlanPublic)
async def update_plan(
    plan_id: uuid.UUID, changes: PlanUpdate, _: AdminUser, session: SessionDep, ctx: ServicesDep
) -> PlanPublic:
    """Change a plan (the new price applies from each subscriber's next renewal)."""
    return await plans.update_plan(
        session=session, plan_id=str(plan_id), changes=changes, now=ctx.clock.now()
    )


@router.delete("/plans/{plan_id}", status_code=204)
async def delete_plan(plan_id: uuid.UUID, _: AdminUser, session: SessionDep) -> Response:
    """Delete a plan nobody subscribed to."""
    await plans.delete_plan(session=session, plan_id=str(plan_id))
    return Response(status_code=204)


@router.get("/subscriptions", response_model=SubscriptionPage)
async def list_subscriptions(
    _: AdminUser,
    session: SessionDep,
    status: Status | None = None,
    user_id: Annotated[StorableText | None, Query(max_length=200)] = None,
    plan_id: uuid.UUID | None = None,
    email: Annotated[
        StorableText | None,
        Query(max_length=320, description="a part of the subscriber's address, any case"),
    ] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE,
) -> SubscriptionPage:
    """Subscriptions, newest first, filtered by status, user, plan or email."""
    return await admin.list_subscriptions(
        session=session,
        status=status,
        user_id=user_id,
        plan_id=str(plan_id) if plan_id else None,
        email=email,
        cursor=cursor,
        limit=limit,
    )


@router.get("/subscriptions/stats", response_model=SubscriptionStats)
async def subscription_stats(_: AdminUser, session: SessionDep) -> SubscriptionStats:
    """Subscriptions playing now per plan, and every subscription by status (dashboard)."""
    return await admin.subscription_stats(session=session)


@router.get("/subscriptions/{subscription_id}", response_model=SubscriptionPublic)
async def get_subscription(
    subscription_id: uuid.UUID, _: AdminUser, session: SessionDep
) -> SubscriptionPublic:
    """One subscription."""
    found = await admin.get_subscription(session=session, subscription_id=str(subscription_id))
    return to_public(found)


@router.post("/subscriptions/{subscription_id}/cancel", response_model=SubscriptionPublic)
async def cancel_subscription(
    subscription_id: uuid.UUID,
    _: AdminUser,
    session: SessionDep,
    ctx: ServicesDep,
    body: AdminCancel | None = None,
) -> SubscriptionPublic:
    """Cancel a subscription at once (or at the end of its period)."""
    return await admin.admin_cancel(
        session=session,
        subscription_id=str(subscription_id),
        at_period_end=body.at_period_end if body else False,
        now=ctx.clock.now(),
    )


@router.get("/subscriptions/{subscription_id}/payments", response_model=PaymentPage)
async def subscription_payments(
    subscription_id: uuid.UUID,
    _: AdminUser,
    session: SessionDep,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE,
) -> PaymentPage:
    """The subscription's payments, newest first."""
    return await payments.payment_history(
        session=session, subscription_id=str(subscription_id), cursor=cursor, limit=limit
    )


@router.post("/subscriptions/{subscription_id}/refund", response_model=PaymentPublic)
async def refund_subscription(
    subscription_id: uuid.UUID, refund_in: RefundCreate, _: AdminUser, ctx: ServicesDep
) -> PaymentPublic:
    """Refund a payment of the subscription, all of it or part."""
    return await payments.refund(
        sessions=ctx.sessions,
        gateway=ctx.gateway,
        now=ctx.clock.now(),
        subscription_id=str(subscription_id),
        payment_id=str(refund_in.payment_id) if refund_in.payment_id else None,
        amount=refund_in.amount,
        reason=refund_in.reason,
    )


@router.get("/payments", response_model=PaymentPage)
async def user_payments(
    user_id: Annotated[StorableText, Query(min_length=1, max_length=200)],
    _: AdminUser,
    session: SessionDep,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE,
) -> PaymentPage:
    """A user's payment history, newest first."""
    return await payments.payment_history(
        session=session, user_id=user_id, cursor=cursor, limit=limit
    )
