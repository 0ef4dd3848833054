"""Running the encoder worker: on its own (`codeflix worker encoder`) or in `codeflix up`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from actors.encoder_endpoint import create_app, ray_check, serving
from actors.encoder_settings import EncoderSettings, get_settings
from actors.encoder_status import reporting_status
from actors.encoder_worker import EncodeRunner, EncoderWorker, ray_encode_runner
from actors.local_ray import reap_stale
from codeflix.bus import Bus
from codeflix.observability import ReadinessCheck
from codeflix.platform import Platform
from codeflix.storage import ObjectStore, open_store

if TYPE_CHECKING:
    from codeflix.bus.rabbitmq import RabbitMQBus

log = logging.getLogger("codeflix.encoder")


def build_worker(
    settings: EncoderSettings,
    bus: Bus,
    store: ObjectStore,
    run_encode: EncodeRunner | None = None,
) -> EncoderWorker:
    """The worker the settings describe, on the real Ray runner unless one is given."""
    runner = run_encode or ray_encode_runner(
        settings.ray_address,
        local_cpus=settings.encoder_local_cpus,
        local_record=local_ray_record(settings),
    )
    return EncoderWorker(
        bus,
        store,
        runner,
        queue=settings.encoder_queue,
        subtitles_queue=settings.encoder_subtitles_queue,
        concurrency=settings.encoder_concurrency,
        progress_interval=settings.encoder_progress_interval,
        max_attempts=settings.encoder_max_attempts,
        max_workers=settings.encoder_max_workers,
        quality=settings.encoder_quality,
        storage_options=settings.storage_options,
    )


def status_reports(
    settings: EncoderSettings, bus: Bus, worker: EncoderWorker
) -> AbstractAsyncContextManager[None]:
    """``encoder.status`` every ``CODEFLIX_ENCODER_STATUS_INTERVAL`` seconds while it runs."""
    return reporting_status(
        bus, jobs_running=lambda: worker.jobs_running, interval=settings.encoder_status_interval
    )


def endpoint(
    settings: EncoderSettings, bus: RabbitMQBus, worker: EncoderWorker
) -> AbstractAsyncContextManager[object]:
    """``/healthz``, ``/readyz`` and ``/metrics`` on ``CODEFLIX_ENCODER_METRICS_PORT`` while it
    runs (nothing when unset): ready once connected to the broker, with Ray's head reachable."""
    if settings.encoder_metrics_port is None:
        return nullcontext()
    checks: dict[str, ReadinessCheck] = {"broker": bus.check}
    if (ray := ray_check(settings.ray_address)) is not None:
        checks["ray"] = ray
    app = create_app(readiness_checks=checks, jobs_running=lambda: worker.jobs_running)
    return serving(app, port=settings.encoder_metrics_port)


def local_ray_record(settings: EncoderSettings) -> Path:
    """Where the local Ray's processes are noted, so a new start kills what a crash left."""
    return (settings.data_dir / "ray" / "local-session.json").resolve()


async def reap_stale_local_ray(settings: EncoderSettings) -> None:
    """Kill what the local Ray of an earlier run left (a crash, a ``kill -9``)."""
    if not settings.ray_address:
        await asyncio.to_thread(reap_stale, local_ray_record(settings))


class BrokerRequired(Exception):
    """The standalone worker needs RabbitMQ."""


async def run_standalone(settings: EncoderSettings, stop: asyncio.Event) -> None:
    """Consume from RabbitMQ until ``stop`` is set; uploads in flight are then redelivered."""
    from codeflix.bus.rabbitmq import RabbitMQBus

    if not settings.amqp_url:
        raise BrokerRequired(
            "the standalone encoder needs a broker: set CODEFLIX_AMQP_URL "
            "(`codeflix up` runs an encoder of its own)"
        )
    bus = RabbitMQBus(
        settings.amqp_url,
        exchange=settings.amqp_exchange,
        dead_letter_exchange=settings.amqp_dead_letter_exchange,
    )
    worker = build_worker(settings, bus, open_store(settings))
    # The endpoint first: alive at once, ready once the broker is connected.
    async with endpoint(settings, bus, worker):
        await reap_stale_local_ray(settings)
        await bus.start()
        try:
            await worker.start()
            log.info(
                "encoder worker consuming",
                extra={
                    "queue": settings.encoder_queue,
                    "concurrency": settings.encoder_concurrency,
                    "metrics_port": settings.encoder_metrics_port,
                },
            )
            async with status_reports(settings, bus, worker):
                await stop.wait()
        finally:
            await bus.close()
            _shutdown_ray()


def install_embedded_encoder(platform: Platform, **overrides: Any) -> None:
    """Run an encoder worker on the platform's bus while the platform runs (``codeflix up``).

    Ray starts locally with the first upload, not before, so the platform starts fast.
    """
    settings = get_settings(
        data_dir=platform.settings.data_dir, public_url=platform.settings.public_url, **overrides
    )

    @asynccontextmanager
    async def encoder() -> AsyncIterator[None]:
        await reap_stale_local_ray(settings)
        assert platform.bus is not None, "the platform's bus is installed with the platform"
        worker = build_worker(settings, platform.bus, platform.store)
        platform.encoder = worker
        await worker.start()
        try:
            async with status_reports(settings, platform.bus, worker):
                yield
        finally:
            _shutdown_ray()

    platform.startup_hooks.append(encoder)


def _shutdown_ray() -> None:
    from actors import cluster

    cluster.shutdown()
