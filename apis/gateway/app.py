"""The embedded platform's single entry point: every service behind one port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from apis.gateway.config import GatewaySettings, get_settings
from apis.gateway.openapi import install_merged_docs
from apis.gateway.routing import PrefixDispatch
from apis.gateway.services import EmbeddedService, build_services
from apis.gateway.webapp import WebApp
from codeflix.auth import issuer_for
from codeflix.observability import ReadinessCheck
from codeflix.platform import Platform
from codeflix.problems import NotFound
from codeflix.web import service_app


def create_app(
    settings: GatewaySettings | None = None,
    *,
    platform: Platform | None = None,
    services: list[str] | None = None,
) -> FastAPI:
    """Build the gateway with the services ``services`` names mounted, else those of
    ``CODEFLIX_GATEWAY_SERVICES``, else every available one; with none it serves only the web
    app and the merged docs."""
    settings = settings or get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    platform = platform or Platform.from_settings(settings)
    mounted = build_services(
        platform, services if services is not None else settings.gateway_services
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Mounted apps do not get lifespan events from the server, so the gateway runs them.
        async with AsyncExitStack() as stack:
            for hook in platform.startup_hooks:
                await stack.enter_async_context(hook())
            for service in mounted:
                await stack.enter_async_context(service.app.router.lifespan_context(service.app))
            yield

    app = service_app(
        "gateway",
        title="Codeflix",
        description="The embedded Codeflix platform: every service behind one port.",
        lifespan=lifespan,
        max_body_bytes=settings.max_body_bytes,
        readiness_checks=_service_readiness(mounted),
        docs_url=None,  # the gateway serves its own /docs, see install_merged_docs
    )

    web = WebApp(settings.web_dist)

    @app.get("/services", include_in_schema=False)
    async def services_index() -> dict[str, object]:
        return {
            "name": "Codeflix",
            "services": {s.name: list(s.prefixes) for s in mounted},
            "health": "/healthz",
            "readiness": "/readyz",
            "metrics": "/metrics",
        }

    install_merged_docs(app, mounted, issuer=issuer_for(settings))

    # Registered last: every route above, and every service prefix, takes precedence.
    @app.api_route("/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    async def web_app(path: str, request: Request) -> Response:
        if web.built:
            return web.response(request)
        if path == "":
            return JSONResponse(await services_index())
        raise NotFound(f"nothing is served at /{path}")

    app.state.platform = platform
    app.state.services = {s.name: s.app for s in mounted}
    # Mounted services count their own requests by route; the gateway's /metrics shows them.
    for service in mounted:
        app.state.http_metrics.extend(service.app.state.http_metrics)
    routes = [(prefix, s.app) for s in mounted for prefix in s.prefixes]
    app.add_middleware(PrefixDispatch, routes=routes)
    return app


def _service_readiness(mounted: list[EmbeddedService]) -> dict[str, ReadinessCheck]:
    """The gateway is ready when every mounted service's dependencies are."""
    checks: dict[str, ReadinessCheck] = {}
    for service in mounted:
        for name, check in service.app.state.readiness_checks.items():
            checks[f"{service.name}.{name}"] = check
    return checks
