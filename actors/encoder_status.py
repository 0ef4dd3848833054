"""The encoder's periodic ``encoder.status``: Ray nodes and CPUs, and the jobs it runs.

The admin dashboard shows them; the catalog keeps the latest report. Reports are cheap (one
round trip to Ray's control store) and go out whether or not anyone listens; until the
worker's first job joins Ray, they say so (``ray_connected: false``, no nodes).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from codeflix.bus import Bus
from codeflix.events import EncoderStatus, new_event

if TYPE_CHECKING:
    from actors.cluster import ClusterLoad

log = logging.getLogger("codeflix.encoder")
PRODUCER = "encoder"
LoadProbe = Callable[[], "ClusterLoad | None"]


def ray_load() -> ClusterLoad | None:
    """The load of the Ray cluster the worker joined; None before its first job (Ray is not
    even imported until then, and reporting must not import it: it is large)."""
    cluster = sys.modules.get("actors.cluster")
    return cluster.load() if cluster is not None else None


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


async def report_once(
    bus: Bus, *, probe: LoadProbe, jobs_running: Callable[[], int], interval: float
) -> EncoderStatus:
    load = await asyncio.to_thread(probe)
    status = EncoderStatus(
        worker=worker_name(),
        ray_connected=load is not None,
        nodes=load.nodes if load else 0,
        cpus_total=load.cpus_total if load else 0.0,
        cpus_busy=load.cpus_busy if load else 0.0,
        jobs_running=jobs_running(),
        interval_seconds=interval,
    )
    await bus.publish(new_event("encoder.status", status, subject=status.worker, producer=PRODUCER))
    return status


@asynccontextmanager
async def reporting_status(
    bus: Bus,
    *,
    jobs_running: Callable[[], int],
    interval: float,
    probe: LoadProbe = ray_load,
) -> AsyncIterator[None]:
    """Publish ``encoder.status`` every ``interval`` seconds while the block runs."""

    async def loop() -> None:
        while True:
            try:
                await report_once(bus, probe=probe, jobs_running=jobs_running, interval=interval)
            except Exception:  # a missed report only makes the dashboard's figure older
                log.warning("could not report the encoder's status", exc_info=True)
            await asyncio.sleep(interval)

    task = asyncio.create_task(loop(), name="encoder-status")
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
