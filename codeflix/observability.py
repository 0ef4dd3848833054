"""Logs, correlation ids, health and metrics: what operators see of every service.

- JSON log lines on stdout, each carrying the correlation id of the request or event at hand;
- ``/healthz`` (the process is alive), ``/readyz`` (its dependencies answer), ``/metrics``;
- ``domain_counter`` / ``domain_histogram`` for business metrics next to the HTTP ones.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_fastapi_instrumentator import Instrumentator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CORRELATION_HEADER = "x-correlation-id"
_correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "codeflix_correlation_id", default=None
)

ReadinessCheck = Callable[[], Awaitable[None]]


def get_correlation_id() -> str | None:
    return _correlation_id.get()


def set_correlation_id(value: str | None) -> contextvars.Token[str | None]:
    """Bind a correlation id to the current task (e.g. from a consumed event)."""
    return _correlation_id.set(value)


def reset_correlation_id(token: contextvars.Token[str | None]) -> None:
    _correlation_id.reset(token)


def new_correlation_id() -> str:
    return uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, correlation id, extras."""

    _RESERVED = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "color_message"}

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if cid := get_correlation_id():
            entry["correlation_id"] = cid
        for key, value in record.__dict__.items():
            if key not in self._RESERVED and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class StdoutHandler(logging.StreamHandler):
    """Writes each record to the ``sys.stdout`` of the moment it is logged.

    A handler holding the stream it was made with keeps writing to it after it is swapped out
    and closed (a command run in-process by a test runner, an embedding program's redirect),
    and every later record becomes a "Logging error" traceback.
    """

    @property
    def stream(self) -> TextIO:
        return sys.stdout

    @stream.setter
    def stream(self, _ignored: object) -> None:
        pass  # StreamHandler's constructor assigns one; the current stdout is always used


def configure_logging(level: str = "INFO", *, json_lines: bool = True) -> None:
    """Send every log record to stdout, as JSON lines unless ``json_lines`` is false."""
    handler = StdoutHandler()
    if json_lines:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # One line per outgoing request (Typesense, the JWKS, service calls) drowns what matters;
    # their failures still surface as warnings and as our own errors.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))


class CorrelationIdMiddleware:
    """Take the caller's correlation id (or make one), bind it, and echo it in the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        raw = headers.get(CORRELATION_HEADER.encode()) or headers.get(b"x-request-id")
        value = raw.decode("latin-1")[:128] if raw else new_correlation_id()
        token = set_correlation_id(value)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (CORRELATION_HEADER.encode(), value.encode("latin-1")),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            reset_correlation_id(token)


async def run_readiness_checks(checks: Mapping[str, ReadinessCheck]) -> dict[str, str]:
    """Run each dependency check; a check passes when it returns without raising."""
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            await check()
            results[name] = "ok"
        except Exception as e:  # a failed dependency is reported, not raised
            results[name] = f"error: {type(e).__name__}: {e}"[:300]
    return results


def install_observability(
    app: FastAPI,
    *,
    service: str,
    readiness_checks: Mapping[str, ReadinessCheck] | None = None,
    metrics: bool = True,
) -> None:
    """Add correlation ids, ``/healthz``, ``/readyz`` and (optionally) ``/metrics`` to an app."""
    checks = dict(readiness_checks or {})
    app.state.readiness_checks = checks
    app.add_middleware(CorrelationIdMiddleware)

    @app.get("/healthz", tags=["ops"], include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": service}

    @app.get("/readyz", tags=["ops"], include_in_schema=False)
    async def readyz() -> JSONResponse:
        results = await run_readiness_checks(app.state.readiness_checks)
        ready = all(v == "ok" for v in results.values())
        return JSONResponse(
            {"status": "ok" if ready else "unavailable", "service": service, "checks": results},
            status_code=200 if ready else 503,
        )

    if metrics:
        # Each app gets its own registry for HTTP metrics, so building an app twice in one
        # process (tests, the embedded gateway) never registers a metric twice; /metrics
        # serves those, the registries of apps it serves requests for (the gateway's mounted
        # services) and the process-wide domain metrics. Requests are counted by route
        # template, method and exact status.
        http_registry = CollectorRegistry()
        Instrumentator(
            should_group_status_codes=False,
            excluded_handlers=["/healthz", "/readyz", "/metrics"],
            registry=http_registry,
        ).instrument(app, metric_namespace="codeflix", metric_subsystem=service.replace("-", "_"))
        app.state.http_metrics = [http_registry]

        @app.get("/metrics", tags=["ops"], include_in_schema=False)
        async def metrics_endpoint() -> Response:
            body = b"".join(generate_latest(r) for r in [*app.state.http_metrics, REGISTRY])
            return Response(body, media_type=CONTENT_TYPE_LATEST)


_metrics: dict[str, Any] = {}


def domain_counter(
    name: str,
    documentation: str,
    labels: tuple[str, ...] = (),
    registry: CollectorRegistry = REGISTRY,
) -> Counter:
    """A process-wide counter ``codeflix_<name>``; asking twice returns the same one."""
    key = f"counter:{name}"
    if key not in _metrics:
        _metrics[key] = Counter(f"codeflix_{name}", documentation, labels, registry=registry)
    return _metrics[key]  # type: ignore[no-any-return,unused-ignore]


def domain_histogram(
    name: str,
    documentation: str,
    labels: tuple[str, ...] = (),
    buckets: tuple[float, ...] = Histogram.DEFAULT_BUCKETS,
    registry: CollectorRegistry = REGISTRY,
) -> Histogram:
    """A process-wide histogram ``codeflix_<name>``; asking twice returns the same one."""
    key = f"histogram:{name}"
    if key not in _metrics:
        _metrics[key] = Histogram(
            f"codeflix_{name}", documentation, labels, buckets=buckets, registry=registry
        )
    return _metrics[key]  # type: ignore[no-any-return,unused-ignore]


class Stopwatch:
    """Times a block into a histogram: ``with Stopwatch(hist.labels(step="probe")): ...``."""

    def __init__(self, observer: Any) -> None:
        self.observer = observer
        self.started = 0.0

    def __enter__(self) -> Stopwatch:
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.observer.observe(time.perf_counter() - self.started)
