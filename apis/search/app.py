"""The search service: full-text search of published videos, fed by the catalog's events."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from apis.search.config import SearchSettings, get_settings
from apis.search.consumers import CatalogEventsConsumer
from apis.search.index import SearchUnavailable, TypesenseIndex
from apis.search.projection import rebuild_from_state
from apis.search.routes import router
from codeflix.auth import Verifier, install_auth, verifier_for
from codeflix.bus import service_bus
from codeflix.platform import Platform
from codeflix.problems import problem_response
from codeflix.typesense_server import TypesenseServer, embedded_server
from codeflix.web import service_app

log = logging.getLogger("codeflix.search")
ROUTE_PREFIXES = ("/api/v1/search", "/api/v1/admin/search")


@dataclass
class SearchRuntime:
    """What the routes and the consumer share; the index exists once Typesense is known."""

    settings: SearchSettings
    index: TypesenseIndex | None = None
    prepared: bool = False

    def ready_index(self) -> TypesenseIndex:
        if self.index is None or not self.prepared:
            raise SearchUnavailable("the search collections are not ready yet")
        return self.index


async def prepare(index: TypesenseIndex) -> None:
    """Create what is missing; a video collection created now is filled from search's state
    (a lost collection comes back without waiting for the catalog to change)."""
    if await index.ensure_collections():
        target = await index.alias_target()
        assert target is not None
        written = await rebuild_from_state(index, target)
        log.info("video collection created", extra={"collection": target, "documents": written})


async def keep_preparing(runtime: SearchRuntime, index: TypesenseIndex) -> None:
    """Prepare the collections, retrying while Typesense is away (a deployed service starts
    before its Typesense answers; /readyz says so meanwhile)."""
    delay = 0.5
    while True:
        try:
            await prepare(index)
            runtime.prepared = True
            return
        except SearchUnavailable as e:
            log.warning("Typesense not ready; retrying", extra={"error": str(e)})
            await anyio.sleep(delay)
            delay = min(delay * 2, 10)


def create_app(
    settings: SearchSettings | None = None,
    *,
    platform: Platform | None = None,
    verifier: Verifier | None = None,
) -> FastAPI:
    """Build the search app. Without ``CODEFLIX_TYPESENSE_URL`` it uses the platform's
    embedded Typesense (started before the services), or, alone, a server of its own."""
    settings = settings or get_settings()
    runtime = SearchRuntime(settings)
    consumer = CatalogEventsConsumer(
        runtime.ready_index, retry_delays=settings.search_event_retry_seconds
    )
    server: TypesenseServer | None = None
    if settings.typesense_url is None and platform is not None:
        server = embedded_server(platform)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own_server = None
        url = settings.typesense_url
        if url is None and server is not None:
            url = server.url
        elif url is None:
            own_server = TypesenseServer(
                Path(settings.data_dir) / "typesense", api_key=settings.typesense_api_key
            )
            own_server.start()
            await own_server.healthy()
            url = own_server.url
        index = TypesenseIndex(
            url=url,
            api_key=settings.typesense_api_key,
            alias=settings.search_collection,
            state_collection=settings.search_state_collection,
            timeout=settings.search_timeout_seconds,
        )
        runtime.index = index
        preparing = asyncio.create_task(keep_preparing(runtime, index))
        try:
            with contextlib.suppress(TimeoutError):
                # Usually done at once; a slow Typesense does not hold the platform's start.
                await asyncio.wait_for(asyncio.shield(preparing), timeout=3)
            async with service_bus(settings, platform) as bus:
                await consumer.subscribe(bus)
                yield
        finally:
            preparing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await preparing
            runtime.index = None
            await index.close()
            if own_server is not None:
                await anyio.to_thread.run_sync(own_server.stop)

    async def typesense() -> None:
        await runtime.ready_index().check()

    app = service_app(
        "search",
        title="Codeflix search",
        description="Full-text search of the published catalog.",
        lifespan=lifespan,
        max_body_bytes=settings.max_body_bytes,
        max_in_flight=settings.max_requests_in_flight,
        readiness_checks={"typesense": typesense},
        route_prefixes=ROUTE_PREFIXES,
    )

    @app.exception_handler(SearchUnavailable)
    async def unavailable(request: Request, exc: SearchUnavailable) -> JSONResponse:
        log.warning("search unavailable", extra={"error": str(exc)})
        return problem_response(
            503,
            "search is unavailable for a moment; try again shortly",
            type_suffix="search-unavailable",
            headers={"Retry-After": str(settings.search_retry_after_seconds)},
        )

    app.state.search = runtime
    install_auth(app, verifier or verifier_for(settings, platform))
    app.include_router(router)
    return app
