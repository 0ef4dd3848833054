"""The viewer's endpoints: plans, subscribing, their subscription, and the provider webhook."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse

from apis.subscription import payments, plans, service
from apis.subscription.deps import (
    DEFAULT_PAGE,
    Cursor,
    Limit,
    ServicesDep,
    SessionDep,
    VerifiedUser,
)
from apis.subscription.gateway import CardDetails
from apis.subscription.idempotency import Claim, request_fingerprint, run_once
from apis.subscription.schemas import PaymentPage, PlanPage, SubscriptionCreate, SubscriptionPublic
from apis.subscription.webhooks import SIGNATURE_HEADER
from codeflix.auth import CurrentUser
from codeflix.problems import PROBLEM_JSON, BadRequest

router = APIRouter(prefix="/api/v1")
IDEMPOTENCY_KEY = Annotated[
    str | None, Header(alias="Idempotency-Key", description="one per intended subscription")
]


@router.get("/plans", response_model=PlanPage, tags=["plans"])
async def list_public_plans(
    session: SessionDep, cursor: Cursor = None, limit: Limit = DEFAULT_PAGE
) -> PlanPage:
    """The plans on offer."""
    return await plans.list_plans(session=session, active_only=True, cursor=cursor, limit=limit)


@router.post(
    "/subscriptions",
    status_code=201,
    response_model=SubscriptionPublic,
    responses={
        402: {"description": "the payment failed"},
        403: {"description": "the account's email address is not confirmed yet"},
        409: {"description": "already"},
    },
    tags=["subscriptions"],
)
async def create_subscription(
    body: SubscriptionCreate, user: VerifiedUser, ctx: ServicesDep, key: IDEMPOTENCY_KEY = None
) -> JSONResponse:
    """Subscribe to a plan; repeat with the same Idempotency-Key to get the same answer."""
    if key is None or not (1 <= len(key) <= 255) or not key.isprintable():
        raise BadRequest("send an Idempotency-Key header (1-255 printable characters)")
    method = body.payment_method
    number = method.number.get_secret_value().replace(" ", "").replace("-", "")
    card = CardDetails(number, method.exp_month, method.exp_year, method.cvc.get_secret_value())
    fingerprint = request_fingerprint(
        ctx.settings.secret_key,
        {"plan_id": str(body.plan_id), "card": [number, card.exp_month, card.exp_year, card.cvc]},
    )

    async def operation(claim: Claim) -> tuple[int, dict[str, object]]:
        if claim.created_id is not None:  # an earlier attempt stopped half-way: finish it
            created = await service.carry_on(
                sessions=ctx.sessions,
                gateway=ctx.gateway,
                clock=ctx.clock,
                rules=ctx.rules,
                user_id=user.subject,
                subscription_id=claim.created_id,
            )
        else:
            created = await service.subscribe(
                sessions=ctx.sessions,
                gateway=ctx.gateway,
                clock=ctx.clock,
                rules=ctx.rules,
                user_id=user.subject,
                email=user.email,
                plan_id=str(body.plan_id),
                card=card,
                on_created=claim.bind,
            )
        return 201, created.model_dump(mode="json")

    status, payload = await run_once(
        sessions=ctx.sessions,
        clock=ctx.clock,
        user_id=user.subject,
        key=key,
        fingerprint=fingerprint,
        operation=operation,
    )
    media_type = PROBLEM_JSON if status >= 400 else "application/json"
    return JSONResponse(payload, status_code=status, media_type=media_type)


@router.get("/subscriptions/me", response_model=SubscriptionPublic, tags=["subscriptions"])
async def get_my_subscription(user: CurrentUser, session: SessionDep) -> SubscriptionPublic:
    """Your current subscription (or your latest one)."""
    return await service.my_subscription(session=session, user_id=user.subject)


@router.post("/subscriptions/me/cancel", response_model=SubscriptionPublic, tags=["subscriptions"])
async def cancel_my_subscription(user: CurrentUser, ctx: ServicesDep) -> SubscriptionPublic:
    """Cancel: you keep watching until the end of the period you paid for."""
    return await service.cancel_mine(sessions=ctx.sessions, clock=ctx.clock, user_id=user.subject)


@router.get("/subscriptions/me/payments", response_model=PaymentPage, tags=["subscriptions"])
async def my_payments(
    user: CurrentUser, session: SessionDep, cursor: Cursor = None, limit: Limit = DEFAULT_PAGE
) -> PaymentPage:
    """What you were charged, newest first."""
    return await payments.payment_history(
        session=session, user_id=user.subject, cursor=cursor, limit=limit
    )


@router.post("/payments/webhook", tags=["payments"])
async def payment_webhook(request: Request, ctx: ServicesDep) -> dict[str, str]:
    """The payment provider's signed callbacks (HMAC-SHA256 over timestamp and body)."""
    body = await request.body()
    if len(body) > 64 * 1024:
        raise BadRequest("the webhook body is too large")
    outcome = await payments.handle_webhook(
        sessions=ctx.sessions,
        gateway=ctx.gateway,
        rules=ctx.rules,
        secret=ctx.settings.payment_webhook_secret,
        tolerance=ctx.settings.webhook_tolerance_seconds,
        now=ctx.clock.now(),
        body=body,
        signature=request.headers.get(SIGNATURE_HEADER),
    )
    return {"status": outcome}
