"""The in-process bus of the embedded platform, with the same semantics as RabbitMQ.

Queues live as long as the bus, like durable queues on a broker that never restarts; a message
published to a type nobody is bound to is dropped, as a topic exchange drops it.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from codeflix.bus.delivery import handle_delivery
from codeflix.bus.port import (
    ATTEMPT_HEADER,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_RETRY_DELAYS,
    QUEUE_HEADER,
    REASON_HEADER,
    ROUTING_KEY_HEADER,
    BusError,
    DeadLetter,
    Handler,
    Subscription,
    topic_matches,
)
from codeflix.events import Envelope


@dataclass
class _Message:
    body: bytes
    routing_key: str
    message_id: str
    headers: dict[str, Any] = field(default_factory=dict)
    attempt: int = 1


class InMemoryBus:
    """A :class:`~codeflix.bus.port.Bus` inside one asyncio event loop."""

    def __init__(self) -> None:
        self._queues: dict[str, asyncio.Queue[_Message]] = {}
        self._bindings: list[tuple[str, str]] = []  # (pattern, queue)
        self._dead: dict[str, list[_Message]] = {}
        self._subscriptions: dict[str, Subscription] = {}
        self._workers: list[asyncio.Task[None]] = []
        self._timers: set[asyncio.TimerHandle] = set()
        self._pending = 0  # queued + in flight + waiting to be retried
        self._idle = asyncio.Event()
        self._idle.set()
        self._started = False
        self._closed = False

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        if self._started:
            return
        self._started = True
        for subscription in self._subscriptions.values():
            self._spawn_workers(subscription)

    async def close(self) -> None:
        self._closed = True
        for timer in self._timers:
            timer.cancel()
        for task in self._workers:
            task.cancel()
        for task in self._workers:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._workers.clear()

    async def check(self) -> None:
        """Readiness: raises :class:`BusError` once the bus is closed."""
        if self._closed or not self._started:
            raise BusError("the in-process bus is not running")

    async def join(self) -> None:
        """Wait until every queued message is handled, retries included (for tests)."""
        await self._idle.wait()

    # -- publishing --------------------------------------------------------------------------
    async def publish(self, envelope: Envelope) -> None:
        await self.publish_raw(envelope.to_json(), envelope.type, message_id=str(envelope.id))

    async def publish_many(self, envelopes: Sequence[Envelope]) -> None:
        """Publish several events in order."""
        for envelope in envelopes:
            await self.publish(envelope)

    async def publish_raw(
        self,
        body: bytes,
        routing_key: str,
        *,
        message_id: str | None = None,
        headers: dict[str, Any] | None = None,
    ) -> None:
        """Publish bytes as they are (operators' replays and tests of malformed input)."""
        if self._closed:
            raise BusError("the bus is closed")
        message_id = message_id or uuid.uuid4().hex
        for queue in {q for pattern, q in self._bindings if topic_matches(pattern, routing_key)}:
            self._enqueue(queue, _Message(body, routing_key, message_id, dict(headers or {})))

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
        # One process, one consumer per queue: single_active holds by construction.
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
        if queue in self._subscriptions:
            raise BusError(f"queue {queue!r} already has a consumer in this process")
        self._subscriptions[queue] = subscription
        self._queues.setdefault(queue, asyncio.Queue())
        self._dead.setdefault(queue, [])
        self._bindings.extend((key, queue) for key in subscription.routing_keys)
        if self._started:
            self._spawn_workers(subscription)

    def _spawn_workers(self, subscription: Subscription) -> None:
        for _ in range(subscription.prefetch):
            self._workers.append(asyncio.create_task(self._consume(subscription)))

    async def _consume(self, subscription: Subscription) -> None:
        queue = self._queues[subscription.queue]
        while True:
            message = await queue.get()
            try:
                outcome = await handle_delivery(subscription, message.body, message.attempt)
                if subscription.transient:
                    continue  # at most once: a failed event is dropped (`finally` still runs)
                if outcome.action == "retry":
                    message.attempt += 1
                    message.headers[ATTEMPT_HEADER] = message.attempt
                    self._pending += 1
                    self._retry_later(subscription.queue, message, outcome.delay)
                elif outcome.action == "dead_letter":
                    self._dead_letter(subscription.queue, message, outcome.reason or "")
            finally:
                self._done()

    def _retry_later(self, queue: str, message: _Message, delay: float) -> None:
        def retry_now() -> None:
            self._timers.discard(timer)
            self._queues[queue].put_nowait(message)

        timer = asyncio.get_running_loop().call_later(delay, retry_now)
        self._timers.add(timer)

    def _enqueue(self, queue: str, message: _Message) -> None:
        self._pending += 1
        self._idle.clear()
        self._queues[queue].put_nowait(message)

    def _done(self) -> None:
        self._pending -= 1
        if self._pending == 0:
            self._idle.set()

    def _dead_letter(self, queue: str, message: _Message, reason: str) -> None:
        message.headers.update(
            {
                REASON_HEADER: reason,
                QUEUE_HEADER: queue,
                ROUTING_KEY_HEADER: message.routing_key,
                ATTEMPT_HEADER: message.attempt,
            }
        )
        self._dead[queue].append(message)

    # -- dead letters ------------------------------------------------------------------------
    def _dlq(self, queue: str) -> list[_Message]:
        if queue not in self._dead:
            raise BusError(f"no queue named {queue!r}")
        return self._dead[queue]

    async def dead_letters(self, queue: str, *, limit: int = 100) -> list[DeadLetter]:
        return [
            DeadLetter(
                message_id=m.message_id,
                routing_key=m.routing_key,
                reason=m.headers.get(REASON_HEADER),
                attempts=m.headers.get(ATTEMPT_HEADER),
                body=m.body,
                headers=dict(m.headers),
            )
            for m in self._dlq(queue)[:limit]
        ]

    async def replay_dead_letters(self, queue: str, *, limit: int | None = None) -> int:
        dead = self._dlq(queue)
        count = len(dead) if limit is None else min(limit, len(dead))
        replayed, dead[:] = dead[:count], dead[count:]
        for m in replayed:
            self._enqueue(queue, _Message(m.body, m.routing_key, m.message_id))
        return count

    async def purge_dead_letters(self, queue: str) -> int:
        dead = self._dlq(queue)
        count = len(dead)
        dead.clear()
        return count
