"""Route requests to the service that owns their path, as the Istio gateway does deployed."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.types import ASGIApp, Receive, Scope, Send


class PrefixDispatch:
    """ASGI middleware: a request whose path starts with a service's prefix goes to that service.

    Everything else (the gateway's own ``/healthz``, ``/readyz``, ``/metrics``, lifespan
    events) goes to the wrapped gateway app. Longest prefix wins.
    """

    def __init__(self, app: ASGIApp, routes: Sequence[tuple[str, ASGIApp]] = ()) -> None:
        self.app = app
        self.routes = sorted(routes, key=lambda r: len(r[0]), reverse=True)

    def target(self, path: str) -> ASGIApp:
        for prefix, service in self.routes:
            if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                return service
        return self.app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            await self.target(scope["path"])(scope, receive, send)
        else:
            await self.app(scope, receive, send)
