"""The event backbone's throughput and latency: both buses, and the outbox relay.

Measures, on this machine:

- publishing with publisher confirms, one event after another (events/s);
- end to end, from publish to the consumer's handler, with ``prefetch`` events in flight
  (events/s and the latency percentiles);
- the outbox: events written in their own transactions to SQLite, then relayed (events/s).

RabbitMQ is measured when ``CODEFLIX_AMQP_URL`` (or ``--amqp-url``) names a broker; the
exchange and queues are made for the run and deleted afterwards. Prints and saves the table.

    .venv/bin/python benchmarks/event_bus.py [--events 2000] [--amqp-url amqp://...]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aio_pika
import sqlalchemy as sa

from codeflix.bus import Bus, InMemoryBus
from codeflix.bus.port import DEFAULT_RETRY_DELAYS
from codeflix.bus.rabbitmq import RabbitMQBus
from codeflix.bus.rabbitmq_topology import retry_queue_name
from codeflix.db import create_engine, session_factory
from codeflix.events import Envelope, new_event
from codeflix.outbox import OutboxRelay, add_outbox_table, add_to_outbox

RESULTS = Path(__file__).resolve().parent / "results"


def event(n: int) -> Envelope:
    return new_event(
        "video.uploaded",
        {"video_id": f"v{n}", "source_key": f"uploads/v{n}/master.mp4", "size_bytes": n},
        subject=f"v{n}",
        producer="benchmark",
    )


async def measure(bus: Bus, name: str, events: int) -> list[dict[str, Any]]:
    latencies: list[float] = []
    sent_at: dict[str, float] = {}
    done = asyncio.Event()

    async def handler(envelope: Envelope) -> None:
        if str(envelope.id) not in sent_at:
            return  # an event of the outbox run, which this queue also receives
        latencies.append(time.perf_counter() - sent_at[str(envelope.id)])
        if len(latencies) == events:
            done.set()

    await bus.subscribe(f"bench-{uuid.uuid4().hex[:8]}.events", ["video.uploaded"], handler)
    batch = [event(n) for n in range(events)]
    started = time.perf_counter()
    for envelope in batch:
        sent_at[str(envelope.id)] = time.perf_counter()
        await bus.publish(envelope)
    published = time.perf_counter() - started
    await asyncio.wait_for(done.wait(), timeout=300)
    total = time.perf_counter() - started
    ms = sorted(x * 1000 for x in latencies)
    return [
        {"bus": name, "what": "publish, confirmed one by one", "events/s": events / published},
        {
            "bus": name,
            "what": f"publish → handler, {events} sent at once (prefetch 10)",
            "events/s": events / total,
            "p50 ms": statistics.median(ms),
            "p99 ms": ms[int(len(ms) * 0.99) - 1],
        },
    ]


async def measure_outbox(bus: Bus, name: str, events: int, folder: Path) -> dict[str, Any]:
    metadata = sa.MetaData()
    add_outbox_table(metadata)
    engine = create_engine(f"sqlite+aiosqlite:///{folder / f'{name}.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    sessions = session_factory(engine)
    for n in range(events):
        async with sessions() as session, session.begin():
            await add_to_outbox(session, event(n))
    relay = OutboxRelay(engine, bus, batch_size=200)
    started, sent = time.perf_counter(), 0
    while sent < events:
        sent += await relay.relay_once()
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return {"bus": name, "what": "outbox relay from SQLite", "events/s": events / elapsed}


async def delete_topology(url: str, exchange: str, dlx: str, queues: list[str]) -> None:
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        for queue in queues:
            for name in [queue, f"{queue}.dlq"] + [
                retry_queue_name(queue, d) for d in DEFAULT_RETRY_DELAYS
            ]:
                with contextlib.suppress(Exception):
                    await channel.queue_delete(name)
        for name in (exchange, dlx):
            with contextlib.suppress(Exception):
                await channel.exchange_delete(name)


async def main(events: int, amqp_url: str | None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        memory = InMemoryBus()
        await memory.start()
        rows += await measure(memory, "in-process", events)
        rows.append(await measure_outbox(memory, "in-process", events, Path(tmp)))
        await memory.close()
        if amqp_url:
            tag = f"bench-{uuid.uuid4().hex[:8]}"
            rabbit = RabbitMQBus(
                amqp_url, exchange=f"{tag}.events", dead_letter_exchange=f"{tag}.dlx"
            )
            await rabbit.start()
            try:
                rows += await measure(rabbit, "RabbitMQ", events)
                rows.append(await measure_outbox(rabbit, "RabbitMQ", events, Path(tmp)))
            finally:
                queues = [q.name for q, _ in rabbit._consumers]
                await rabbit.close()
                await delete_topology(amqp_url, f"{tag}.events", f"{tag}.dlx", queues)
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["| bus | what | events/s | p50 ms | p99 ms |", "| --- | --- | ---: | ---: | ---: |"]
    for r in rows:
        p50 = f"{r['p50 ms']:.2f}" if "p50 ms" in r else ""
        p99 = f"{r['p99 ms']:.2f}" if "p99 ms" in r else ""
        lines.append(f"| {r['bus']} | {r['what']} | {r['events/s']:,.0f} | {p50} | {p99} |")
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--amqp-url", default=os.environ.get("CODEFLIX_AMQP_URL"))
    args = parser.parse_args()
    results = asyncio.run(main(args.events, args.amqp_url))
    text = table(results)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "event_bus.md").write_text(
        f"{args.events} events, {os.cpu_count()} CPUs\n\n{text}\n"
    )
    (RESULTS / "event_bus.json").write_text(json.dumps(results, indent=2))
