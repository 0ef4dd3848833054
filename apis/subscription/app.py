"""The subscription service's composition root."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import Session

from apis.subscription import plans
from apis.subscription.admin_routes import router as admin_router
from apis.subscription.billing import BillingRules
from apis.subscription.config import SubscriptionSettings, get_settings
from apis.subscription.database import SCHEMA
from apis.subscription.deps import Services
from apis.subscription.gateway import PaymentGateway
from apis.subscription.renewals import RenewalScheduler
from apis.subscription.routes import router
from apis.subscription.sandbox import SandboxPaymentGateway
from codeflix.auth import Verifier, install_auth, verifier_for
from codeflix.bus import Bus, service_bus
from codeflix.clock import Clock, SystemClock
from codeflix.db import create_engine, database_check
from codeflix.migrations import upgrade
from codeflix.outbox import OutboxRelay, wake_on_commit
from codeflix.platform import Platform
from codeflix.unit_of_work import unit_of_work
from codeflix.web import service_app

ROUTE_PREFIXES = (
    "/api/v1/plans",
    "/api/v1/subscriptions",
    "/api/v1/payments",
    "/api/v1/admin/plans",
    "/api/v1/admin/subscriptions",
    "/api/v1/admin/payments",
)


def create_app(
    settings: SubscriptionSettings | None = None,
    *,
    platform: Platform | None = None,
    verifier: Verifier | None = None,
    gateway: PaymentGateway | None = None,
    clock: Clock | None = None,
    bus: Bus | None = None,
) -> FastAPI:
    """Build the subscription API. Embedded (``platform`` given) it shares the platform's bus
    and seeds the default plans; tests inject the verifier, payment gateway, clock and bus."""
    settings = settings or get_settings()
    engine = create_engine(settings.db_url)
    # A commit carrying events wakes the outbox relay instead of waiting for its next poll.
    session_class = type("SubscriptionSession", (Session,), {})
    sessions = async_sessionmaker(engine, expire_on_commit=False, sync_session_class=session_class)
    relays: list[OutboxRelay] = []
    wake_on_commit(session_class, relays)
    clock = clock or SystemClock()
    rules = BillingRules.from_settings(settings)
    sandbox: SandboxPaymentGateway | None = None
    if gateway is None:
        sandbox = SandboxPaymentGateway(
            webhook_secret=settings.payment_webhook_secret,
            clock=clock,
            send_webhook=lambda body, headers: _deliver_to_self(app, body, headers),
            confirm_delay_seconds=settings.sandbox_confirm_delay_seconds,
        )
        gateway = sandbox
    scheduler = RenewalScheduler(
        sessions,
        gateway,
        clock,
        rules,
        interval_seconds=settings.scheduler_interval_seconds,
        lease=timedelta(seconds=settings.scheduler_lease_seconds),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await upgrade(engine, SCHEMA)
        if settings.seed_plans or platform is not None:
            with contextlib.suppress(IntegrityError):  # another replica seeded them just now
                async with unit_of_work(sessions) as session:
                    await plans.seed_default_plans(session=session, now=clock.now())
        async with AsyncExitStack() as stack:
            events = (
                bus
                if bus is not None
                else await stack.enter_async_context(service_bus(settings, platform))
            )
            relays.append(await stack.enter_async_context(OutboxRelay(engine, events)))
            stack.callback(relays.clear)
            if settings.scheduler_enabled:
                scheduler.start()
                stack.push_async_callback(scheduler.stop)
            if sandbox is not None:
                stack.push_async_callback(sandbox.aclose)
            yield
        await engine.dispose()

    app = service_app(
        "subscription",
        title="Codeflix subscriptions",
        description="Plans, subscriptions, payments and renewals.",
        lifespan=lifespan,
        max_body_bytes=settings.max_body_bytes,
        max_in_flight=settings.max_requests_in_flight,
        readiness_checks={"database": database_check(engine)},
        route_prefixes=ROUTE_PREFIXES,
    )
    install_auth(app, verifier or verifier_for(settings, platform))
    app.state.subscription = Services(settings, sessions, gateway, clock, rules)
    app.state.scheduler = scheduler
    app.state.engine = engine
    app.include_router(router)
    app.include_router(admin_router)
    return app


async def _deliver_to_self(app: FastAPI, body: bytes, headers: dict[str, str]) -> bool:
    """The sandbox provider calls our webhook in-process, as a real one would over HTTP."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://subscription") as client:
        response = await client.post("/api/v1/payments/webhook", content=body, headers=headers)
    return response.is_success
