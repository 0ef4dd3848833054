"""The playback service: grants for viewers, the media edge, and its copy of playable videos."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from apis.playback.config import PlaybackSettings, get_settings
from apis.playback.consumers import VideoEventsConsumer
from apis.playback.database import SCHEMA
from apis.playback.deps import Playback
from apis.playback.edge import MediaEdge
from apis.playback.entitlements import EntitlementPolicy
from apis.playback.routes import router
from apis.playback.subscriptions import SubscriptionEntitlements, SubscriptionEventsConsumer
from codeflix.auth import Verifier, install_auth, verifier_for
from codeflix.bus import service_bus
from codeflix.clock import Clock, SystemClock
from codeflix.db import create_engine, database_check, session_factory
from codeflix.migrations import upgrade
from codeflix.platform import Platform
from codeflix.storage import open_store
from codeflix.web import service_app

# The public paths the gateway (embedded) or Istio (deployed) routes to playback.
ROUTE_PREFIXES = (
    "/api/v1/playback",
    "/api/v1/admin/playback",
    "/api/v1/me/continue-watching",
    "/media",
)


def create_app(
    settings: PlaybackSettings | None = None,
    *,
    platform: Platform | None = None,
    verifier: Verifier | None = None,
    entitlements: EntitlementPolicy | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    """Build the playback app; embedded it shares the platform's store and bus.

    ``entitlements`` decides who may watch what (by default the viewer's subscription, as
    the ``subscription.*`` events told it);
    ``clock`` tells the time (the system's by default), injected so tests can move it.
    """
    settings = settings or get_settings()
    clock = clock or SystemClock()
    store = platform.store if platform is not None else open_store(settings)
    engine = create_engine(settings.db_url)
    sessions = session_factory(engine)
    signer = settings.grant_signer()
    consumer = VideoEventsConsumer(sessions)
    subscriptions = SubscriptionEventsConsumer(sessions)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await upgrade(engine, SCHEMA)
        async with service_bus(settings, platform) as bus:
            await consumer.subscribe(bus)
            await subscriptions.subscribe(bus)
            yield
        await engine.dispose()

    async def media_store() -> None:
        # The media edge serves from here: the root (a bucket on S3) must answer.
        if not await anyio.to_thread.run_sync(store.fs.exists, store.root):
            raise RuntimeError(f"the media store {store.url} has no root")

    app = service_app(
        "playback",
        title="Codeflix playback",
        description="Signed HLS grants and the media edge that serves them.",
        lifespan=lifespan,
        max_body_bytes=settings.max_body_bytes,
        max_in_flight=settings.max_requests_in_flight,
        long_lived_paths=[r"/media/.*"],
        readiness_checks={"database": database_check(engine), "media_store": media_store},
        route_prefixes=ROUTE_PREFIXES,
    )
    app.state.playback = Playback(
        settings=settings,
        sessions=sessions,
        signer=signer,
        entitlements=entitlements or SubscriptionEntitlements(),
        edge=MediaEdge(
            store=store,
            signer=signer,
            clock=clock,
            cache_seconds=settings.media_cache_seconds,
            cache_objects=settings.media_cache_objects,
        ),
        clock=clock,
        embedded=platform is not None,
    )
    install_auth(app, verifier or verifier_for(settings, platform))
    app.include_router(router)
    return app
