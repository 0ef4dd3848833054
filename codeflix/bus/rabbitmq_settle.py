"""Settling one delivered message on RabbitMQ: ack it, or first re-publish it for a retry or
into the dead-letter queue, with confirms."""

from __future__ import annotations

import contextlib
import logging

from aio_pika.abc import AbstractChannel, AbstractIncomingMessage

from codeflix.bus.delivery import handle_delivery
from codeflix.bus.port import (
    ATTEMPT_HEADER,
    QUEUE_HEADER,
    REASON_HEADER,
    ROUTING_KEY_HEADER,
    Subscription,
)
from codeflix.bus.rabbitmq_dead_letters import copy_message
from codeflix.bus.rabbitmq_topology import retry_queue_name

log = logging.getLogger("codeflix.bus")


async def settle(
    subscription: Subscription,
    channel: AbstractChannel,
    message: AbstractIncomingMessage,
    dead_letter_exchange: str,
) -> None:
    """Handle the message and settle it; if the broker goes away meanwhile, it is redelivered."""
    headers = dict(message.headers or {})
    # Our own header counts retries; the broker's counts redeliveries after a crash.
    attempt = _count(headers.get(ATTEMPT_HEADER), 1) + _count(headers.get("x-delivery-count"), 0)
    outcome = await handle_delivery(subscription, message.body, attempt)
    try:
        if outcome.action == "retry":
            headers[ATTEMPT_HEADER] = attempt + 1
            await channel.default_exchange.publish(
                copy_message(message, headers),
                routing_key=retry_queue_name(subscription.queue, outcome.delay),
            )
        elif outcome.action == "dead_letter":
            headers.update(
                {
                    REASON_HEADER: outcome.reason or "",
                    QUEUE_HEADER: subscription.queue,
                    ROUTING_KEY_HEADER: message.routing_key or "",
                    ATTEMPT_HEADER: attempt,
                }
            )
            dlx = await channel.get_exchange(dead_letter_exchange, ensure=False)
            await dlx.publish(copy_message(message, headers), routing_key=subscription.queue)
        await message.ack()
    except Exception:
        log.warning("could not settle a message; it will be redelivered", exc_info=True)
        with contextlib.suppress(Exception):
            await message.nack(requeue=True)


def _count(value: object, default: int) -> int:
    """A header holding a count; anything else (a publisher's mistake) counts as the default."""
    try:
        return max(int(str(value)), 0) if value is not None else default
    except ValueError:
        return default
