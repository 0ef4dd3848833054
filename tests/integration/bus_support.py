"""RabbitMQ buses on names of their own, and cleanup of what a test declared."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager

import aio_pika

from codeflix.bus.rabbitmq import RabbitMQBus
from codeflix.bus.rabbitmq_topology import retry_queue_name
from tests.conftest import unique_name

TEST_RETRY_DELAYS = (0.05, 0.5, 1.0, 5.0, 30.0, 120.0)


class Names:
    """Unique exchange and queue names for one test, remembered for cleanup."""

    def __init__(self) -> None:
        tag = unique_name("t")
        self.exchange = f"{tag}.events"
        self.dead_letter_exchange = f"{tag}.dlx"
        self._tag = tag
        self.queues: list[str] = []

    def queue(self, purpose: str = "q") -> str:
        name = f"{self._tag}.{purpose}{len(self.queues)}"
        self.queues.append(name)
        return name

    def bus(self, amqp_url: str, **kwargs: object) -> RabbitMQBus:
        return RabbitMQBus(
            amqp_url,
            exchange=self.exchange,
            dead_letter_exchange=self.dead_letter_exchange,
            **kwargs,  # type: ignore[arg-type]
        )


async def delete_topology(amqp_url: str, names: Names, delays: Iterable[float]) -> None:
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        for queue in names.queues:
            for name in [queue, f"{queue}.dlq", *(retry_queue_name(queue, d) for d in delays)]:
                channel = await connection.channel()
                with contextlib.suppress(Exception):
                    await channel.queue_delete(name)
                with contextlib.suppress(Exception):
                    await channel.close()
        channel = await connection.channel()
        for exchange in (names.exchange, names.dead_letter_exchange):
            with contextlib.suppress(Exception):
                await channel.exchange_delete(exchange)


@asynccontextmanager
async def bus_topology(amqp_url: str) -> AsyncIterator[Names]:
    names = Names()
    try:
        yield names
    finally:
        await delete_topology(amqp_url, names, TEST_RETRY_DELAYS)


QueueFactory = Callable[[], str]


async def wait_for_consumer(amqp_url: str, queue: str, within: float = 60.0) -> None:
    """Wait until some process consumes ``queue`` (a worker started in a subprocess)."""
    import asyncio

    deadline = asyncio.get_running_loop().time() + within
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        while True:
            channel = await connection.channel()
            try:
                declared = await channel.declare_queue(queue, passive=True)
                if declared.declaration_result.consumer_count:
                    return
            except aio_pika.exceptions.ChannelClosed:
                pass  # not declared yet
            with contextlib.suppress(Exception):
                await channel.close()
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"nobody consumes {queue} yet")
            await asyncio.sleep(0.1)
