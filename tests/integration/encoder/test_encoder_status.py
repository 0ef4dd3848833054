"""The encoder's periodic ``encoder.status``: what it says of a real local Ray."""

from __future__ import annotations

import asyncio

from actors.encoder_status import reporting_status
from codeflix.bus import InMemoryBus
from codeflix.events import EncoderStatus
from tests.contracts.bus import Recorder, eventually


async def test_reports_name_the_nodes_and_cpus_of_the_cluster(ray_local: None) -> None:
    bus, recorder, jobs = InMemoryBus(), Recorder(), [2]
    await bus.subscribe("tests.status", ["encoder.status"], recorder)
    await bus.start()
    try:
        async with reporting_status(bus, jobs_running=lambda: jobs[0], interval=0.2):
            await eventually(lambda: len(recorder.seen) >= 1)
            jobs[0] = 0
            await eventually(lambda: len(recorder.seen) >= 2)
        count = len(recorder.seen)
        await asyncio.sleep(0.5)
        assert len(recorder.seen) == count  # no report once the block ended
    finally:
        await bus.close()
    first, second = (e.parse_data() for e in recorder.seen[:2])
    assert isinstance(first, EncoderStatus) and isinstance(second, EncoderStatus)
    assert first.ray_connected and first.nodes == 1 and first.cpus_total == 2.0
    assert 0 <= first.cpus_busy <= first.cpus_total
    assert (first.jobs_running, second.jobs_running) == (2, 0)
    assert first.interval_seconds == 0.2 and ":" in first.worker


async def test_a_worker_not_yet_on_ray_says_so() -> None:
    bus, recorder = InMemoryBus(), Recorder()
    await bus.subscribe("tests.status", ["encoder.status"], recorder)
    await bus.start()
    try:
        async with reporting_status(bus, jobs_running=lambda: 0, interval=5, probe=lambda: None):
            await eventually(lambda: len(recorder.seen) == 1)
    finally:
        await bus.close()
    status = recorder.seen[0].parse_data()
    assert isinstance(status, EncoderStatus)
    assert (status.ray_connected, status.nodes, status.cpus_total) == (False, 0, 0.0)
