"""The exchanges and queues RabbitMQBus declares at start-up and again after every reconnect.

- a durable topic exchange (``codeflix.events``) that events are published to, routing key =
  event type;
- per consumer, a durable quorum queue ``<queue>`` bound by the event types it wants;
- a direct dead-letter exchange (``codeflix.dlx``) into ``<queue>.dlq`` (quorum, durable);
- per retry delay, a queue ``<queue>.retry.<ms>`` whose messages expire after that delay back
  into ``<queue>`` through the default exchange: delayed retries without broker plugins.
"""

from __future__ import annotations

from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractQueue

from codeflix.bus.port import Subscription

# A message redelivered this many times without being settled (its consumer keeps dying on
# it) is dead-lettered by the broker itself rather than crash consumers forever.
DELIVERY_LIMIT = 10


def quorum(**arguments: Any) -> dict[str, Any]:
    return {"x-queue-type": "quorum", **arguments}


def consumer_queue_arguments(
    queue: str, dead_letter_exchange: str, *, single_active: bool = False
) -> dict[str, Any]:
    """A consumer queue's arguments; the deployed topology (manifests/base/rabbitmq) repeats
    them."""
    arguments: dict[str, Any] = {
        "x-dead-letter-exchange": dead_letter_exchange,
        "x-dead-letter-routing-key": queue,
        "x-delivery-limit": DELIVERY_LIMIT,
    }
    if single_active:
        arguments["x-single-active-consumer"] = True
    return quorum(**arguments)


def retry_queue_name(queue: str, delay: float) -> str:
    return f"{queue}.retry.{round(delay * 1000)}"


async def declare_exchanges(
    channel: AbstractChannel, exchange: str, dead_letter_exchange: str
) -> AbstractExchange:
    """The durable topic exchange of events and the direct dead-letter exchange."""
    await channel.declare_exchange(dead_letter_exchange, aio_pika.ExchangeType.DIRECT, durable=True)
    return await channel.declare_exchange(exchange, aio_pika.ExchangeType.TOPIC, durable=True)


async def declare_consumer_queues(
    channel: AbstractChannel, subscription: Subscription, exchange: str, dead_letter_exchange: str
) -> AbstractQueue:
    """A consumer's quorum queue with its bindings, its ``.dlq`` and its retry queues."""
    name = subscription.queue
    dlq = await channel.declare_queue(f"{name}.dlq", durable=True, arguments=quorum())
    await dlq.bind(dead_letter_exchange, routing_key=name)
    queue = await channel.declare_queue(
        name,
        durable=True,
        arguments=consumer_queue_arguments(
            name, dead_letter_exchange, single_active=subscription.single_active
        ),
    )
    for key in subscription.routing_keys:
        await queue.bind(exchange, routing_key=key)
    for delay in sorted(set(subscription.retry_delays)):
        # Expired retries go back to the consumer's queue alone, through the default exchange.
        await channel.declare_queue(
            retry_queue_name(name, delay),
            durable=True,
            arguments=quorum(
                **{
                    "x-message-ttl": round(delay * 1000),
                    "x-dead-letter-exchange": "",
                    "x-dead-letter-routing-key": name,
                }
            ),
        )
    return queue


async def declare_transient_queue(
    channel: AbstractChannel, subscription: Subscription, exchange: str
) -> AbstractQueue:
    """A process's own queue (exclusive, auto-deleted, classic): RabbitMQ drops it when the
    connection ends, so it needs no place in the deployed topology."""
    queue = await channel.declare_queue(
        subscription.queue, durable=False, exclusive=True, auto_delete=True
    )
    for key in subscription.routing_keys:
        await queue.bind(exchange, routing_key=key)
    return queue
