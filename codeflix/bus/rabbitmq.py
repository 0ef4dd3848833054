"""The Bus on RabbitMQ (aio-pika), with publisher confirms and automatic reconnection.

The topology is in :mod:`codeflix.bus.rabbitmq_topology`. The consumer acks a message only
after its fate is settled (handled, re-published for a retry or dead-lettered with confirms),
so a crash at any point redelivers it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import urllib.parse
from collections.abc import Sequence
from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractRobustConnection,
)

from codeflix.bus.delivery import handle_delivery
from codeflix.bus.port import (
    DEAD_LETTER_EXCHANGE,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_RETRY_DELAYS,
    EXCHANGE,
    BusError,
    BusUnavailable,
    Handler,
    Subscription,
)
from codeflix.bus.rabbitmq_dead_letters import DeadLetterOps
from codeflix.bus.rabbitmq_settle import settle
from codeflix.bus.rabbitmq_topology import (
    declare_consumer_queues,
    declare_exchanges,
    declare_transient_queue,
)
from codeflix.events import Envelope

log = logging.getLogger("codeflix.bus")


class RabbitMQBus(DeadLetterOps):
    """A :class:`~codeflix.bus.port.Bus` on a RabbitMQ broker; reconnects by itself."""

    def __init__(
        self,
        url: str,
        *,
        exchange: str = EXCHANGE,
        dead_letter_exchange: str = DEAD_LETTER_EXCHANGE,
        connect_timeout: float = 30.0,
        publish_timeout: float = 60.0,
        reconnect_interval: float = 1.0,
        close_timeout: float = 5.0,
    ) -> None:
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("amqp", "amqps") or not parsed.hostname:
            # Never echo the URL: it may carry a password.
            raise BusError("the broker URL must look like amqp://user:password@host:5672/vhost")
        self.url = url
        self.exchange_name = exchange
        self.dead_letter_exchange_name = dead_letter_exchange
        self._connect_timeout = connect_timeout
        self._publish_timeout = publish_timeout
        self._reconnect_interval = reconnect_interval
        self._close_timeout = close_timeout
        self._connection: AbstractRobustConnection | None = None
        self._exchange: AbstractExchange | None = None
        self._subscriptions: list[Subscription] = []
        self._consumers: list[tuple[Any, str]] = []  # (queue, consumer tag)
        self._in_flight: set[asyncio.Task[Any]] = set()
        self._start_lock = asyncio.Lock()

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        async with self._start_lock:
            if self._connection is not None:
                return
            self._connection = await self._connect()
            channel = await self._connection.channel(publisher_confirms=True)
            self._exchange = await declare_exchanges(
                channel, self.exchange_name, self.dead_letter_exchange_name
            )
            for subscription in self._subscriptions:
                await self._consume(subscription)

    async def _connect(self) -> AbstractRobustConnection:
        deadline = asyncio.get_running_loop().time() + self._connect_timeout
        name = f"codeflix:{socket.gethostname()}:{os.getpid()}"
        while True:
            try:
                return await aio_pika.connect_robust(
                    self.url,
                    reconnect_interval=self._reconnect_interval,
                    client_properties={"connection_name": name},
                )
            except (OSError, aio_pika.exceptions.AMQPException) as e:
                if asyncio.get_running_loop().time() > deadline:
                    raise BusUnavailable(f"cannot reach RabbitMQ: {e}") from e
                await asyncio.sleep(self._reconnect_interval)

    async def close(self) -> None:
        if self._connection is None:
            return
        for queue, tag in self._consumers:
            with contextlib.suppress(Exception):
                await queue.cancel(tag)
        self._consumers.clear()
        if self._in_flight:
            # Let running handlers settle their messages; whatever is left is redelivered.
            await asyncio.wait(self._in_flight, timeout=self._close_timeout)
        connection, self._connection, self._exchange = self._connection, None, None
        await connection.close()

    async def check(self) -> None:
        """Readiness: raises :class:`BusUnavailable` unless connected to the broker now."""
        if self._connection is None or not self._connection.connected.is_set():
            raise BusUnavailable("not connected to RabbitMQ")

    # -- publishing --------------------------------------------------------------------------
    async def publish(self, envelope: Envelope) -> None:
        await self.publish_raw(
            envelope.to_json(),
            envelope.type,
            message_id=str(envelope.id),
            correlation_id=envelope.correlation_id,
        )

    async def publish_many(self, envelopes: Sequence[Envelope]) -> None:
        """Publish in order and wait for all the confirms together (far faster than one by
        one: the broker confirms a whole batch in one disk write)."""
        results = await asyncio.gather(
            *(self.publish(e) for e in envelopes), return_exceptions=True
        )
        for result in results:
            if isinstance(result, BaseException):
                raise result

    async def publish_raw(
        self,
        body: bytes,
        routing_key: str,
        *,
        message_id: str | None = None,
        correlation_id: str | None = None,
        headers: dict[str, Any] | None = None,
    ) -> None:
        """Publish bytes to the events exchange and wait for the broker's confirm.

        While the connection is being re-established the publish is retried, for up to
        ``publish_timeout`` seconds, then :class:`BusUnavailable` is raised.
        """
        if self._exchange is None:
            raise BusError("the bus is not started")
        message = aio_pika.Message(
            body,
            content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=message_id,
            correlation_id=correlation_id,
            type=routing_key,
            headers=headers or {},
        )
        await self._with_retries(lambda: self._exchange_publish(message, routing_key))

    async def _exchange_publish(self, message: aio_pika.Message, routing_key: str) -> None:
        if self._exchange is None:
            raise BusError("the bus is closed")
        # Not mandatory: an event nobody subscribes to is dropped, as topic exchanges do.
        await self._exchange.publish(message, routing_key=routing_key, mandatory=False, timeout=10)

    async def _with_retries(self, publish: Any) -> None:
        deadline = asyncio.get_running_loop().time() + self._publish_timeout
        while True:
            try:
                await publish()
                return
            except BusError:
                raise
            except Exception as e:  # the connection is down or the broker refused the message
                if asyncio.get_running_loop().time() > deadline:
                    raise BusUnavailable(f"RabbitMQ did not confirm the message: {e}") from e
                log.info("publish failed, retrying: %s", e)
                await asyncio.sleep(self._reconnect_interval / 2)

    # -- consuming ---------------------------------------------------------------------------
    async def subscribe(
        self,
        queue: str,
        routing_keys: Sequence[str],
        handler: Handler,
        *,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
        prefetch: int = 10,
        single_active: bool = False,
        transient: bool = False,
    ) -> None:
        subscription = Subscription(
            queue,
            tuple(routing_keys),
            handler,
            max_attempts,
            tuple(retry_delays),
            prefetch,
            single_active,
            transient,
        )
        self._subscriptions.append(subscription)
        if self._connection is not None:
            await self._consume(subscription)

    async def _consume(self, subscription: Subscription) -> None:
        assert self._connection is not None
        channel = await self._connection.channel(publisher_confirms=True)
        await channel.set_qos(prefetch_count=subscription.prefetch)
        await declare_exchanges(channel, self.exchange_name, self.dead_letter_exchange_name)
        if subscription.transient:
            queue = await declare_transient_queue(channel, subscription, self.exchange_name)
        else:
            queue = await declare_consumer_queues(
                channel, subscription, self.exchange_name, self.dead_letter_exchange_name
            )

        async def on_message(message: AbstractIncomingMessage) -> None:
            task = asyncio.current_task()
            if task is not None:
                self._in_flight.add(task)
            try:
                if subscription.transient:
                    await handle_delivery(subscription, message.body, 1)
                    await message.ack()  # at most once, whatever the handler made of it
                else:
                    await settle(subscription, channel, message, self.dead_letter_exchange_name)
            finally:
                if task is not None:
                    self._in_flight.discard(task)

        tag = await queue.consume(on_message)
        self._consumers.append((queue, tag))

    # -- dead letters: see DeadLetterOps -----------------------------------------------------
    def _require_connection(self) -> AbstractRobustConnection:
        if self._connection is None:
            raise BusError("the bus is not started")
        return self._connection
