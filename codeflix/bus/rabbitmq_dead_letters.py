"""Operating dead-letter queues on RabbitMQ: look, replay, purge (``codeflix dlq``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustConnection,
)

from codeflix.bus.port import (
    ATTEMPT_HEADER,
    QUEUE_HEADER,
    REASON_HEADER,
    ROUTING_KEY_HEADER,
    BusError,
    DeadLetter,
)


def copy_message(message: AbstractIncomingMessage, headers: dict[str, Any]) -> aio_pika.Message:
    """A persistent copy of a delivered message with new headers, to publish elsewhere."""
    headers.pop("x-delivery-count", None)
    return aio_pika.Message(
        message.body,
        headers=headers,
        content_type=message.content_type,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        message_id=message.message_id,
        correlation_id=message.correlation_id,
        type=message.type,
    )


class DeadLetterOps:
    """Mixin of :class:`~codeflix.bus.rabbitmq.RabbitMQBus` for the ``<queue>.dlq`` queues."""

    # Provided by RabbitMQBus: its live connection, or BusError when it is not started.
    _require_connection: Callable[[], AbstractRobustConnection]

    @staticmethod
    def _dead_letter(message: AbstractIncomingMessage) -> DeadLetter:
        headers: dict[str, Any] = dict(message.headers or {})
        reason = headers.get(REASON_HEADER)
        if reason is None and headers.get("x-death"):
            # Dead-lettered by the broker itself (e.g. the delivery limit), not by a consumer.
            death = headers["x-death"][0]
            reason = f"broker: {death.get('reason')}"
        attempts = headers.get(ATTEMPT_HEADER)
        return DeadLetter(
            message_id=message.message_id,
            routing_key=str(headers.get(ROUTING_KEY_HEADER) or "") or None,
            reason=str(reason) if reason is not None else None,
            attempts=int(str(attempts)) if attempts is not None else None,
            body=message.body,
            headers=headers,
        )

    async def _open_dlq(self, queue: str) -> tuple[AbstractChannel, AbstractQueue]:
        channel = await self._require_connection().channel(publisher_confirms=True)
        try:
            dlq = await channel.declare_queue(f"{queue}.dlq", passive=True, robust=False)
        except aio_pika.exceptions.ChannelClosed as e:
            raise BusError(f"no dead-letter queue for {queue!r} (is the queue name right?)") from e
        return channel, dlq

    async def dead_letters(self, queue: str, *, limit: int = 100) -> list[DeadLetter]:
        """Up to ``limit`` dead letters; they stay in the queue (fetched, then returned)."""
        channel, dlq = await self._open_dlq(queue)
        try:
            found: list[DeadLetter] = []
            held: list[AbstractIncomingMessage] = []
            while len(found) < limit:
                message = await dlq.get(no_ack=False, fail=False, timeout=5)
                if message is None:
                    break
                held.append(message)
                found.append(self._dead_letter(message))
            for message in held:
                await message.nack(requeue=True)
            return found
        finally:
            await channel.close()

    async def replay_dead_letters(self, queue: str, *, limit: int | None = None) -> int:
        """Send dead letters back to ``queue`` with a fresh attempt count."""
        channel, dlq = await self._open_dlq(queue)
        replayed = 0
        try:
            while limit is None or replayed < limit:
                message = await dlq.get(no_ack=False, fail=False, timeout=5)
                if message is None:
                    break
                headers: dict[str, Any] = {
                    k: v
                    for k, v in (message.headers or {}).items()
                    if k not in (REASON_HEADER, ATTEMPT_HEADER, QUEUE_HEADER, "x-death")
                    and not k.startswith("x-first-death")
                    and k != "x-delivery-count"
                }
                await channel.default_exchange.publish(
                    copy_message(message, headers),
                    routing_key=queue,
                )
                await message.ack()
                replayed += 1
            return replayed
        finally:
            await channel.close()

    async def purge_dead_letters(self, queue: str) -> int:
        channel, dlq = await self._open_dlq(queue)
        try:
            result = await dlq.purge()
            return int(result.message_count or 0)
        finally:
            await channel.close()
