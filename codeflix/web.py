"""The app-factory convention shared by every service.

``apis/<service>/app.py`` defines ``create_app(settings, platform=None) -> FastAPI`` and builds
its app with :func:`service_app`, which wires problem details, correlation ids, health,
readiness and metrics the same way everywhere.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any

from fastapi import FastAPI

from codeflix import __version__
from codeflix.observability import ReadinessCheck, install_observability
from codeflix.problems import UnexpectedErrors, install_problem_handlers

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[Any]]


def service_app(
    name: str,
    *,
    title: str,
    description: str = "",
    lifespan: Lifespan | None = None,
    readiness_checks: Mapping[str, ReadinessCheck] | None = None,
    route_prefixes: tuple[str, ...] = (),
) -> FastAPI:
    """A FastAPI app with Codeflix's conventions; the caller adds its routers.

    ``route_prefixes`` are the public paths the service answers (see shared/API.md); the
    embedded gateway routes requests to the service by them.
    """
    app = FastAPI(title=title, description=description, version=__version__, lifespan=lifespan)
    app.state.service_name = name
    app.state.route_prefixes = route_prefixes
    install_problem_handlers(app)
    # Middleware added first runs innermost: an unexpected error becomes a problem inside the
    # correlation id's scope, so the answer and the log line carry the id.
    app.add_middleware(UnexpectedErrors)
    install_observability(app, service=name, readiness_checks=readiness_checks)
    return app


async def no_lifespan(app: FastAPI) -> AsyncIterator[None]:  # pragma: no cover - helper
    yield
