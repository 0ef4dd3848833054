"""The standalone encoder worker's own small HTTP endpoint, for the orchestrator and Prometheus.

The worker serves no API. On ``CODEFLIX_ENCODER_METRICS_PORT`` it answers, as every service does:

- ``/healthz``: the process is alive;
- ``/readyz``: it is connected to RabbitMQ, and the Ray cluster it drives accepts connections
  (a TCP connect to the head's address: cheap, and Ray itself is not even imported before the
  first job); 503 with the failing check otherwise;
- ``/metrics``: the process's metrics (``codeflix_encoder_jobs_started_total``,
  ``codeflix_encoder_jobs_total{outcome}``, ``codeflix_bus_deliveries_total``, …) and
  ``codeflix_encoder_jobs_running``, the encodes in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import urllib.parse
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Gauge

from codeflix.observability import ReadinessCheck, install_observability

SERVICE = "encoder"
RAY_CONNECT_SECONDS = 2.0
# The ports Ray listens on when an address names none: a driver's GCS, Ray Client's server.
RAY_GCS_PORT, RAY_CLIENT_PORT = 6379, 10001


class EndpointUnavailable(Exception):
    """The worker cannot listen where ``CODEFLIX_ENCODER_METRICS_PORT`` tells it to."""


def create_app(
    *, readiness_checks: Mapping[str, ReadinessCheck], jobs_running: Callable[[], int]
) -> FastAPI:
    """``/healthz``, ``/readyz`` (the given checks) and ``/metrics``, nothing else."""
    app = FastAPI(title="Codeflix encoder worker", docs_url=None, redoc_url=None, openapi_url=None)
    install_observability(app, service=SERVICE, readiness_checks=readiness_checks)
    # A registry of this app's own, served beside the process-wide one: a second worker built
    # in one process (tests) never registers the gauge twice.
    registry = CollectorRegistry()
    Gauge(
        "codeflix_encoder_jobs_running", "Encodes the worker runs on Ray right now.",
        registry=registry,
    ).set_function(jobs_running)  # fmt: skip
    app.state.http_metrics.append(registry)
    return app


def ray_endpoint(address: str) -> tuple[str, int]:
    """The host and port a Ray address connects to: ``host:port`` (a driver joining through
    the head's GCS), ``ray://host:port`` (Ray Client), the port defaulting to Ray's own."""
    scheme, _, rest = address.rpartition("://")
    parsed = urllib.parse.urlsplit(f"//{rest}")
    try:
        host, port = parsed.hostname, parsed.port
    except ValueError:  # a port that is not a number
        host, port = None, None
    if not host:
        raise ValueError(f"CODEFLIX_RAY_ADDRESS {address!r} is not host:port")
    return host, port or (RAY_CLIENT_PORT if scheme == "ray" else RAY_GCS_PORT)


def ray_check(address: str | None) -> ReadinessCheck | None:
    """Readiness: the Ray head at ``address`` accepts a TCP connection within a couple of
    seconds. None for a local Ray (no address, ``local``, ``auto``): nothing to reach."""
    if not address or address in ("local", "auto"):
        return None

    async def check() -> None:
        host, port = ray_endpoint(address)
        try:
            _, writer = await asyncio.wait_for(
                asyncio.open_connection(host, port), RAY_CONNECT_SECONDS
            )
        except TimeoutError:
            raise ConnectionError(f"no answer from {host}:{port}") from None
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()

    return check


class _Server(uvicorn.Server):
    """uvicorn without signal handlers of its own: SIGTERM stops the worker, which stops this."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@asynccontextmanager
async def serving(app: FastAPI, *, port: int, host: str = "0.0.0.0") -> AsyncIterator[int]:
    """Serve ``app`` on ``host:port`` while the block runs; yields the port (0: a free one)."""
    try:
        sock = socket.create_server((host, port))
    except OSError as e:
        raise EndpointUnavailable(
            f"cannot serve /healthz, /readyz and /metrics on {host}:{port}: {e.strerror or e}; "
            "set CODEFLIX_ENCODER_METRICS_PORT to a free port"
        ) from None
    server = _Server(uvicorn.Config(app, log_config=None, lifespan="off", access_log=False))
    task = asyncio.create_task(server.serve(sockets=[sock]), name="encoder-endpoint")
    try:
        while not server.started:
            if task.done():
                task.result()  # what stopped it
                raise EndpointUnavailable(f"the endpoint on port {port} stopped at start-up")
            await asyncio.sleep(0.01)
        yield int(sock.getsockname()[1])
    finally:
        server.should_exit = True
        await task
        sock.close()
