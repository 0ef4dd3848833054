"""The Bus contract on a real RabbitMQ, plus the broker-specific promises."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import aio_pika
import pytest

from codeflix.bus.rabbitmq import RabbitMQBus
from tests.contracts.bus import BusContract, Recorder, eventually, uploaded
from tests.integration.bus_support import Names, bus_topology


@pytest.fixture
async def names(amqp_url: str) -> AsyncIterator[Names]:
    async with bus_topology(amqp_url) as names:
        yield names


@pytest.fixture
async def bus(amqp_url: str, names: Names) -> AsyncIterator[RabbitMQBus]:
    bus = names.bus(amqp_url)
    await bus.start()
    yield bus
    await bus.close()


@pytest.fixture
def queue_name(names: Names) -> Callable[[], str]:
    return names.queue


class TestRabbitMQBus(BusContract):
    pass


async def test_queues_are_durable_quorum_queues_with_a_dead_letter_queue(
    bus: RabbitMQBus, names: Names, amqp_url: str
) -> None:
    queue = names.queue()
    await bus.subscribe(queue, ["video.uploaded"], Recorder(), retry_delays=[0.05])
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        for name in (queue, f"{queue}.dlq", f"{queue}.retry.50"):
            declared = await channel.declare_queue(name, passive=True)
            assert declared.declaration_result.consumer_count >= (1 if name == queue else 0)


async def test_events_wait_in_the_queue_while_no_consumer_runs(amqp_url: str, names: Names) -> None:
    queue, first = names.queue(), Recorder()
    consumer = names.bus(amqp_url)
    await consumer.start()
    await consumer.subscribe(queue, ["video.uploaded"], first)
    await consumer.close()  # the consumer is away; its durable queue stays
    producer = names.bus(amqp_url)
    await producer.start()
    await producer.publish(uploaded("waiting"))
    await producer.close()
    second = Recorder()
    consumer = names.bus(amqp_url)
    await consumer.subscribe(queue, ["video.uploaded"], second)
    await consumer.start()
    try:
        await eventually(lambda: second.seen)
    finally:
        await consumer.close()
    assert [e.subject for e in second.seen] == ["waiting"]
    assert first.seen == []


async def test_publishing_on_a_bus_that_is_not_started_is_an_error(
    amqp_url: str, names: Names
) -> None:
    from codeflix.bus import BusError

    with pytest.raises(BusError):
        await names.bus(amqp_url).publish(uploaded())


@pytest.mark.parametrize("attempt", ["banana", "-5", "1e9", ""])
async def test_a_nonsense_attempt_header_does_not_wedge_the_consumer(
    bus: RabbitMQBus, names: Names, attempt: str
) -> None:
    from codeflix.bus.port import ATTEMPT_HEADER

    queue, handler = names.queue(), Recorder()
    await bus.subscribe(queue, ["video.uploaded"], handler, retry_delays=[0.05])
    event = uploaded()
    await bus.publish_raw(event.to_json(), "video.uploaded", headers={ATTEMPT_HEADER: attempt})
    await eventually(lambda: handler.seen)
    assert handler.seen == [event]


async def test_a_single_active_queue_feeds_one_process_at_a_time(
    amqp_url: str, names: Names
) -> None:
    import asyncio

    from codeflix.events import Envelope

    queue = names.queue()
    in_handler = 0
    most_at_once = 0
    handled: dict[str, list[str]] = {"a": [], "b": []}

    def handler(name: str) -> Callable[[Envelope], object]:
        async def handle(envelope: Envelope) -> None:
            nonlocal in_handler, most_at_once
            in_handler += 1
            most_at_once = max(most_at_once, in_handler)
            await asyncio.sleep(0.01)
            handled[name].append(envelope.subject)
            in_handler -= 1

        return handle

    buses = [names.bus(amqp_url), names.bus(amqp_url)]
    for bus, name in zip(buses, ("a", "b"), strict=True):
        await bus.start()
        await bus.subscribe(queue, ["video.uploaded"], handler(name), prefetch=1,  # type: ignore[arg-type]
                            single_active=True)  # fmt: skip
    try:
        for n in range(20):
            await buses[0].publish(uploaded(f"v{n}"))
        await eventually(lambda: len(handled["a"]) + len(handled["b"]) == 20)
    finally:
        for bus in buses:
            await bus.close()
    assert most_at_once == 1
    # Every event went to the one active consumer, in order.
    [active] = [seen for seen in handled.values() if seen]
    assert active == [f"v{n}" for n in range(20)]


async def test_each_replica_gets_its_own_transient_queue_gone_with_it(
    amqp_url: str, names: Names
) -> None:
    replicas = [names.bus(amqp_url) for _ in range(2)]
    recorders = [Recorder(), Recorder()]
    queues = [names.queue("live"), names.queue("live")]
    for replica, recorder, queue in zip(replicas, recorders, queues, strict=True):
        await replica.start()
        await replica.subscribe(queue, ["video.uploaded"], recorder, transient=True)
    event = uploaded("every-replica")
    await replicas[0].publish(event)
    await eventually(lambda: all(len(r.seen) == 1 for r in recorders))
    assert all(r.seen[0].id == event.id for r in recorders)
    for replica in replicas:
        await replica.close()
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        for queue in queues:
            channel = await connection.channel()
            with pytest.raises(aio_pika.exceptions.ChannelNotFoundEntity):
                await channel.declare_queue(queue, passive=True)
