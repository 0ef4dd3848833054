"""Kill -9, in turn, every part of the deployed shape while users keep using it: nothing is lost.

While the scripted flow (``flow.py``) uploads, encodes, grants, subscribes and renews, the
harness kills, each in its turn and as a supervisor would see it: the encoder worker in the
middle of a job, the catalog and the subscription service (the processes that run the outbox
relays) just after they committed events, RabbitMQ and PostgreSQL. Killed processes are
started again; nothing else is restarted. Afterwards ``audit.py`` counts the losses.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from codeflix.bus.rabbitmq import RabbitMQBus
from tests.reliability.audit import Audit, audit
from tests.reliability.conftest import Deployment, Supervised
from tests.reliability.flow import Flow, Ledger, Recorder
from tests.support.media import make_clip

# About two minutes on an idle machine; a busy CI runner can need several times that.
pytestmark = pytest.mark.timeout(1200)

OUTAGE_SECONDS = 3.0  # how long a killed broker or database stays down


async def wait_for(
    check: Callable[[], bool], within: float, what: str, explain: Callable[[], str] = str
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not check():
        assert loop.time() < deadline, (
            f"gave up waiting for {what} after {within:.0f} s; {explain()}"
        )
        await asyncio.sleep(0.1)


async def fault(ledger: Ledger, name: str, process: Supervised, *, down: float = 0.0) -> None:
    """``kill -9`` the process, leave it down for ``down`` seconds, start it again."""
    process.kill()
    ledger.faults.append(name)
    # The timeline, shown with a failure: which fault came when, and what the flow had done.
    print(f"fault: {name}; {ledger.summary()}", flush=True)
    await asyncio.sleep(down)
    await asyncio.to_thread(process.start)


async def chaos(deployment: Deployment, ledger: Ledger, recorder: Recorder) -> None:
    """The faults, each when it hurts most."""

    def encoding_under_way() -> bool:
        started = {e.subject for e in recorder.of_type("video.encoding.progressed")}
        done = {
            e.subject for e in recorder.of_type("video.encoding.completed", "video.encoding.failed")
        }
        return bool(started - done)

    def explain() -> str:
        logs = "".join(
            f"\n--- {p.name} log\n{p.tail(1500)}"
            for p in (*deployment.services, deployment.encoder)
        )
        return ledger.summary() + logs

    def after(operation: str) -> Callable[[], Awaitable[None]]:
        async def wait() -> None:
            seen = ledger.operations[operation]
            await wait_for(lambda: ledger.operations[operation] > seen, 240, operation, explain)

        return wait

    # Viewers watch before the first fault, so that every later wait for a grant measures
    # recovery, not how long the first encodes take on a busy machine.
    await after("grant")()
    await wait_for(encoding_under_way, 240, "an encoding job to be under way", explain)
    await fault(ledger, "encoder worker killed mid-job", deployment.encoder, down=1)
    await after("upload")()  # the catalog has just written video.uploaded to its outbox
    await fault(ledger, "catalog (outbox relay) killed", deployment.catalog)
    await after("subscribe")()  # the subscription service has just written its event
    await fault(ledger, "subscription (outbox relay) killed", deployment.subscription)
    await after("renewal")()  # a renewal is due: the scheduler bills it during the outage
    await fault(ledger, "RabbitMQ killed", deployment.rabbitmq, down=OUTAGE_SECONDS)
    await after("upload")()
    await fault(ledger, "PostgreSQL killed", deployment.postgres, down=OUTAGE_SECONDS)
    await after("grant")()  # users are served again before the flow stops


def report(ledger: Ledger, found: Audit) -> str:
    operations = sum(ledger.operations.values())
    lines = [
        "chaos: "
        f"operations {operations} ({', '.join(f'{k} {v}' for k, v in ledger.operations.items())}), "
        f"retries {ledger.retries}, faults {len(ledger.faults)}, losses {found.losses}",
        "faults: " + "; ".join(ledger.faults),
        "events handled once per consumer: "
        + ", ".join(f"{k} {v}" for k, v in found.delivered.items()),
    ]
    if ledger.unfinished:
        lines.append("unfinished: " + "; ".join(ledger.unfinished))
    if found.losses:
        lines.append(found.details())
    return "\n".join(lines)


async def test_killing_each_process_in_turn_loses_nothing(
    deployment: Deployment, tmp_path: Path
) -> None:
    masters = {
        "short": make_clip(tmp_path / "short.mp4", seconds=4, size="256x144").read_bytes(),
        "long": make_clip(tmp_path / "long.mp4", seconds=12, size="320x180").read_bytes(),
        "not media": os.urandom(64 * 1024),
    }
    recorder, ledger = Recorder(), Ledger()
    observer = RabbitMQBus(deployment.rabbitmq.url)
    await observer.subscribe("reliability.recorder", ["#"], recorder)
    await observer.start()
    flow = Flow(deployment, ledger, masters)
    stop = asyncio.Event()
    traffic = asyncio.create_task(flow.run(stop))
    try:
        await chaos(deployment, ledger, recorder)
        await asyncio.sleep(5)  # a little more traffic once everything is back
        stop.set()
        await traffic
        await flow.settle(within=300)
        found = await audit(deployment, ledger, recorder)
        deadline = asyncio.get_running_loop().time() + 60
        # Deliveries still in flight settle within seconds.
        while found.losses and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(2)
            found = await audit(deployment, ledger, recorder)
    finally:
        stop.set()
        await asyncio.gather(traffic, return_exceptions=True)
        await flow.close()
        await observer.close()
    print(report(ledger, found))
    assert len(ledger.faults) == 5, ledger.faults
    # Recovered by themselves: every process still runs, started only as often as it was killed.
    running = {p.name: (p.starts, p.process is not None and p.process.poll() is None)
               for p in (*deployment.services, deployment.encoder, deployment.rabbitmq,
                         deployment.postgres)}  # fmt: skip
    assert running == {
        "catalog": (2, True), "subscription": (2, True), "playback": (1, True),
        "encoder worker": (2, True), "RabbitMQ": (2, True), "PostgreSQL": (2, True),
    }, running  # fmt: skip
    assert all(service.ready() for service in deployment.services)
    assert ledger.unfinished == [], report(ledger, found)
    assert ledger.uploads and ledger.watched, report(ledger, found)
    assert found.losses == 0, report(ledger, found)
