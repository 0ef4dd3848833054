"""The app-factory convention shared by every service.

``apis/<service>/app.py`` defines ``create_app(settings, platform=None) -> FastAPI`` and builds
its app with :func:`service_app`, which wires problem details, correlation ids, health,
readiness and metrics the same way everywhere.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from fastapi import FastAPI

from codeflix import __version__
from codeflix.observability import ReadinessCheck, install_observability
from codeflix.problems import UnexpectedErrors, install_problem_handlers
from codeflix.request_limits import (
    DEFAULT_MAX_BODY_BYTES,
    BodyLimit,
    InFlightLimit,
    QueryLimit,
    StreamedBody,
)

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[Any]]


def service_app(
    name: str,
    *,
    title: str,
    description: str = "",
    lifespan: Lifespan | None = None,
    readiness_checks: Mapping[str, ReadinessCheck] | None = None,
    route_prefixes: tuple[str, ...] = (),
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    streamed_bodies: Sequence[StreamedBody] = (),
    max_in_flight: int | None = None,
    long_lived_paths: Sequence[str] = (),
    docs_url: str | None = "/docs",
) -> FastAPI:
    """A FastAPI app with Codeflix's conventions; the caller adds its routers.

    ``route_prefixes`` are the public paths the service answers (see shared/API.md); the
    embedded gateway routes requests to the service by them. Request bodies over
    ``max_body_bytes`` are refused with a 413 before any route reads them, except the
    ``streamed_bodies`` (uploads a route streams to storage itself). Beyond ``max_in_flight``
    requests at a time, more are refused with a 503; ``long_lived_paths`` (regular expressions
    of whole paths: streamed media, uploads, event streams) are not counted.
    """
    app = FastAPI(
        title=title,
        description=description,
        version=__version__,
        lifespan=lifespan,
        docs_url=docs_url,
    )
    app.state.service_name = name
    app.state.route_prefixes = route_prefixes
    install_problem_handlers(app)
    # Middleware added first runs innermost: a refused body and an unexpected error become
    # problems inside the correlation id's scope, so the answer and the log line carry the id.
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes, streamed=streamed_bodies)
    app.add_middleware(QueryLimit)
    app.add_middleware(UnexpectedErrors)
    if max_in_flight is not None:
        app.add_middleware(InFlightLimit, max_in_flight=max_in_flight, unlimited=long_lived_paths)
    install_observability(app, service=name, readiness_checks=readiness_checks)
    return app


async def no_lifespan(app: FastAPI) -> AsyncIterator[None]:  # pragma: no cover - helper
    yield
