"""The identity service's app: an OpenID Connect provider with Keycloak's URL layout."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
from fastapi import FastAPI

from apis.identity import account_routes, pages, recovery_pages, routes
from apis.identity.config import REALM, IdentitySettings, get_settings
from apis.identity.database import SCHEMA
from apis.identity.keys import KeyCache, ensure_signing_key
from apis.identity.notifications import NotificationsConsumer
from apis.identity.passwords import Passwords
from apis.identity.realm import load_realm, seed_realm
from apis.identity.service import IdentityRuntime
from apis.identity.sessions import prune_expired
from codeflix.auth import TokenVerifier, install_auth
from codeflix.bus import service_bus
from codeflix.clock import Clock, SystemClock, epoch_seconds
from codeflix.db import create_engine, database_check, session_factory
from codeflix.mail import MailRelay, mailer_for
from codeflix.migrations import upgrade
from codeflix.platform import Platform
from codeflix.unit_of_work import unit_of_work
from codeflix.web import service_app


def create_app(
    settings: IdentitySettings | None = None,
    *,
    platform: Platform | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    """Build the identity app; its lifespan creates the tables, seeds the realm and the keys.

    ``clock`` tells the time (the system's by default), injected so tests can move it.
    """
    settings = settings or get_settings()
    clock = clock or SystemClock()
    engine = create_engine(settings.db_url)
    sessions = session_factory(engine)
    realm = load_realm(
        settings.realm_file,
        {
            "CODEFLIX_SERVICES_CLIENT_SECRET": settings.services_client_secret,
            "CODEFLIX_PUBLIC_URL": settings.public_url.rstrip("/"),
        },
    )
    token_lifetime = timedelta(seconds=settings.access_token_seconds)
    runtime = IdentityRuntime(
        settings=settings,
        realm=realm,
        passwords=Passwords(
            time_cost=settings.password_time_cost, memory_kib=settings.password_memory_kib
        ),
        keys=KeyCache(secret=settings.secret_key, token_lifetime=token_lifetime),
        clock=clock,
        embedded=platform is not None,
    )
    mailer = mailer_for(settings, platform)
    relay = MailRelay(engine, mailer, sender=settings.mail_from, clock=clock)
    runtime.wake_mail = relay.wake
    notifications = NotificationsConsumer(
        sessions, settings, clock=runtime.clock, wake_mail=relay.wake
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await upgrade(engine, SCHEMA)
        async with unit_of_work(sessions) as session:
            await seed_realm(session=session, realm=realm, now=runtime.clock.now())
            await ensure_signing_key(
                session=session,
                secret=settings.secret_key,
                now=runtime.clock.now(),
                max_age=timedelta(days=settings.signing_key_max_age_days),
                token_lifetime=token_lifetime,
            )
            await prune_expired(
                session=session, now=runtime.clock.now(), failure_window=runtime.failure_window
            )
        async with relay, service_bus(settings, platform) as bus:
            await notifications.subscribe(bus)
            yield
        await engine.dispose()

    app = service_app(
        "identity",
        title="Codeflix identity",
        description="Sign-up, sign-in and tokens: an OpenID Connect provider.",
        lifespan=lifespan,
        max_body_bytes=settings.max_body_bytes,
        max_in_flight=settings.max_requests_in_flight,
        readiness_checks={"database": database_check(engine)},
        route_prefixes=(f"/realms/{REALM}", "/api/v1/accounts"),
    )
    app.state.runtime = runtime
    app.state.mail_relay = relay
    app.state.sessions = sessions
    # The service checks its own access tokens (userinfo) exactly as every other service does.
    install_auth(
        app,
        TokenVerifier(
            issuer=settings.issuer,
            http=lambda: httpx.AsyncClient(transport=httpx.ASGITransport(app=app)),
            clock=lambda: epoch_seconds(runtime.clock),
        ),
    )
    app.include_router(routes.router)
    app.include_router(account_routes.router)
    app.include_router(pages.router)
    app.include_router(recovery_pages.router)
    if platform is not None:
        platform.identity_app = app
    return app
