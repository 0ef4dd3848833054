"""RabbitMQ restarts while a service publishes through its outbox: no event is lost.

The broker is really restarted (``rabbitmqctl stop_app`` then ``start_app``), so the outage
is kept to the few seconds that takes; every client reconnects by itself.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from codeflix.db import create_engine
from codeflix.outbox import OutboxRelay
from tests.contracts.bus import Recorder, eventually
from tests.integration.bus_support import Names, bus_topology
from tests.integration.events.conftest import metadata
from tests.integration.events.test_outbox_inbox import create_video


async def rabbitmqctl(*args: str) -> None:
    process = await asyncio.create_subprocess_exec(
        shutil.which("rabbitmqctl") or "rabbitmqctl",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await process.communicate()
    assert process.returncode == 0, out.decode()


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'catalog.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture
async def names(amqp_url: str) -> AsyncIterator[Names]:
    async with bus_topology(amqp_url) as names:
        yield names


async def test_broker_restart_while_publishing_through_the_outbox_loses_nothing(
    amqp_url: str, names: Names, engine: AsyncEngine
) -> None:
    consumer, producer, received = names.bus(amqp_url), names.bus(amqp_url), Recorder()
    await consumer.subscribe(names.queue("search"), ["video.uploaded"], received)
    await consumer.start()
    await producer.start()
    written: list[str] = []
    stop_after: list[int] = []  # set once the broker is back: how many events to write in all

    async def write_events() -> None:
        while not stop_after or len(written) < stop_after[0]:
            written.append(str((await create_video(engine, f"v{len(written)}")).id))
            await asyncio.sleep(0.02)

    try:
        async with OutboxRelay(engine, producer, poll_interval=0.02, max_backoff=0.5):
            writer = asyncio.create_task(write_events())
            await eventually(lambda: len(received.seen) >= 20, 60)
            before_outage = len(written)
            await rabbitmqctl("stop_app")
            await rabbitmqctl("start_app")
            after_outage = len(written)
            stop_after.append(after_outage + 20)
            await writer
            await eventually(lambda: {str(e.id) for e in received.seen} >= set(written), 120)
    finally:
        await producer.close()
        await consumer.close()
    assert after_outage > before_outage  # events were written while the broker was down
    assert {str(e.id) for e in received.seen} == set(written)


async def test_outbox_events_reach_a_rabbitmq_consumer_in_the_order_written(
    amqp_url: str, names: Names, engine: AsyncEngine
) -> None:
    consumer, producer, received = names.bus(amqp_url), names.bus(amqp_url), Recorder()
    await consumer.subscribe(names.queue("search"), ["video.uploaded"], received, prefetch=1)
    await consumer.start()
    await producer.start()
    written = [str((await create_video(engine, f"v{n}")).id) for n in range(300)]
    try:
        relay = OutboxRelay(engine, producer, batch_size=100)
        assert [await relay.relay_once() for _ in range(4)] == [100, 100, 100, 0]
        await eventually(lambda: len(received.seen) == 300, 60)
    finally:
        await producer.close()
        await consumer.close()
    assert [str(e.id) for e in received.seen] == written
