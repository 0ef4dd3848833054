"""The catalog service's composition root."""

from __future__ import annotations

from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import Session

from apis.catalog import browse_routes, media_routes, my_list_routes, routes, video_routes
from apis.catalog.config import CatalogSettings, get_settings
from apis.catalog.consumers import subscribe_all
from apis.catalog.dashboard import EncoderBoard
from apis.catalog.database import SCHEMA
from apis.catalog.encoding import reannounce_unfinished
from apis.catalog.expiry import sweep_forever
from apis.catalog.live import MediaBroadcaster, subscribe_live
from apis.catalog.upload_storage import Uploads, upload_target
from apis.catalog.uploads import OFFSET_CONTENT_TYPE
from codeflix.auth import Verifier, install_auth, verifier_for
from codeflix.background import background
from codeflix.bus import InMemoryBus, service_bus
from codeflix.cache import ReadCache, clear_after_writes
from codeflix.db import create_engine, database_check
from codeflix.migrations import upgrade
from codeflix.outbox import OutboxRelay, wake_on_commit
from codeflix.platform import Platform
from codeflix.request_limits import StreamedBody
from codeflix.shutdown import on_stop_signal
from codeflix.storage import open_store
from codeflix.unit_of_work import unit_of_work
from codeflix.web import service_app

# The public paths the gateway (embedded) or Istio (deployed) routes to the catalog.
ROUTE_PREFIXES = (
    "/api/v1/admin/categories",
    "/api/v1/admin/genres",
    "/api/v1/admin/cast-members",
    "/api/v1/admin/videos",
    "/api/v1/admin/catalog",
    "/api/v1/categories",
    "/api/v1/genres",
    "/api/v1/videos",
    "/api/v1/me/list",
)

# tus PATCHes stream media to storage under the per-kind limits of the catalog's settings.
TUS_PATCH = StreamedBody("PATCH", r"/api/v1/admin/videos/[^/]+/uploads/[^/]+", OFFSET_CONTENT_TYPE)


def create_app(
    settings: CatalogSettings | None = None,
    *,
    platform: Platform | None = None,
    verifier: Verifier | None = None,
) -> FastAPI:
    """The catalog app; embedded when ``platform`` is given (shared store and bus)."""
    settings = settings or get_settings()
    store = platform.store if platform is not None else open_store(settings)
    engine = create_engine(settings.db_url)
    # A session class of this app's own, so "after commit" hooks stay within the app.
    session_class = type("CatalogSession", (Session,), {})
    sessions = async_sessionmaker(engine, expire_on_commit=False, sync_session_class=session_class)
    target = upload_target(store, part_bytes=settings.upload_part_bytes)
    uploads = Uploads(settings=settings, store=store, target=target)
    encoder_board = EncoderBoard()
    # Every viewer's home page asks for the same few pages of videos; they change rarely.
    browse_pages: ReadCache[Hashable, Any] = ReadCache(
        ttl=settings.browse_cache_seconds, stale_for=settings.browse_cache_stale_seconds
    )
    clear_after_writes(session_class, browse_pages)
    broadcaster = MediaBroadcaster(
        queue_size=settings.live_queue_size, keepalive_seconds=settings.live_keepalive_seconds
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.migrate_on_start:
            await upgrade(engine, SCHEMA)
        async with service_bus(settings, platform) as bus:
            await subscribe_all(bus, sessions, store)
            await subscribe_live(bus, broadcaster, encoder_board.record)
            if isinstance(bus, InMemoryBus):
                async with unit_of_work(sessions) as session:
                    await reannounce_unfinished(session=session)
            sweep = sweep_forever(
                sessions, uploads, max_idle=timedelta(hours=settings.upload_max_idle_hours)
            )
            async with (
                OutboxRelay(engine, bus) as relay,
                background(sweep, "catalog-upload-sweeper"),
            ):
                stop_waking = wake_on_commit(session_class, [relay])
                app.state.bus = bus
                try:
                    # Live streams end when the process is told to stop, not after the
                    # server has waited for them (which would be forever).
                    with on_stop_signal(broadcaster.close):
                        yield
                finally:
                    broadcaster.close()
                    stop_waking()
                    await browse_pages.close()
        await engine.dispose()

    app = service_app(
        "catalog",
        title="Codeflix catalog",
        description="Categories, genres, cast members and videos; media uploads (tus); browsing.",
        lifespan=lifespan,
        max_body_bytes=settings.max_body_bytes,
        max_in_flight=settings.max_requests_in_flight,
        long_lived_paths=[TUS_PATCH.path, r"/api/v1/admin/videos/events"],
        readiness_checks={"database": database_check(engine)},
        route_prefixes=ROUTE_PREFIXES,
        streamed_bodies=[TUS_PATCH],
    )
    install_auth(app, verifier or verifier_for(settings, platform))
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.store = store
    app.state.uploads = uploads
    app.state.broadcaster = broadcaster
    app.state.encoder_board = encoder_board
    app.state.browse_pages = browse_pages
    for router in (
        routes.router,
        media_routes.router,  # before video_routes: /videos/events is not a video id
        video_routes.router,
        browse_routes.router,
        my_list_routes.router,
    ):
        app.include_router(router)
    return app
