"""The Bus port: what services need from an event bus, whatever carries the messages.

Delivery is at least once. A handler that returns has handled the event (ack); one that raises
is retried after a delay, up to ``max_attempts`` deliveries, and then dead-lettered; one that
raises :class:`PermanentFailure` is dead-lettered at once. A message that is not a valid event
(bad JSON, unknown type or version, missing fields) is dead-lettered at once, the reason in
the ``x-codeflix-reason`` header, and the consumer goes on with the next one.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from codeflix.events import Envelope

EXCHANGE = "codeflix.events"
DEAD_LETTER_EXCHANGE = "codeflix.dlx"
REASON_HEADER = "x-codeflix-reason"
ATTEMPT_HEADER = "x-codeflix-attempt"
QUEUE_HEADER = "x-codeflix-queue"
ROUTING_KEY_HEADER = "x-codeflix-routing-key"

DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_RETRY_DELAYS: tuple[float, ...] = (1.0, 5.0, 30.0, 120.0)

Handler = Callable[[Envelope], Awaitable[None]]

_QUEUE_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,200}$")


class BusError(Exception):
    """Base of the bus errors."""


class BusUnavailable(BusError):
    """The broker could not be reached in time; the caller may try again later."""


class PermanentFailure(Exception):
    """Raised by a handler for an event that no retry can fix: dead-letter it at once."""

    def __init__(self, reason: str, message: str = "") -> None:
        super().__init__(message or reason)
        self.reason = reason


@dataclass(frozen=True)
class Subscription:
    """One consumer queue: its name, the event types bound to it, and its retry policy."""

    queue: str
    routing_keys: tuple[str, ...]
    handler: Handler
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS
    prefetch: int = 10
    # One consumer of the queue at a time across every process (RabbitMQ's single active
    # consumer): for handlers whose events must not be applied side by side.
    single_active: bool = False
    # A queue of this process alone, gone when it disconnects: every replica gets a copy of
    # each event. Nothing waits in it while the process is away, and an event its handler
    # fails on is dropped (no retries, no dead letters): for live views, not for state.
    transient: bool = False

    def __post_init__(self) -> None:
        if not _QUEUE_NAME.match(self.queue):
            raise ValueError(f"invalid queue name {self.queue!r}")
        if not self.routing_keys:
            raise ValueError("a subscription needs at least one routing key")
        if self.max_attempts < 1 or self.prefetch < 1 or not self.retry_delays:
            raise ValueError("max_attempts and prefetch must be >= 1, retry_delays non-empty")

    def delay_before(self, attempt: int) -> float:
        """Seconds to wait before delivery number ``attempt`` (2, 3, ...)."""
        return self.retry_delays[min(attempt - 2, len(self.retry_delays) - 1)]


@dataclass(frozen=True)
class DeadLetter:
    """A message in a ``<queue>.dlq`` as operators see it."""

    message_id: str | None
    routing_key: str | None
    reason: str | None
    attempts: int | None
    body: bytes
    headers: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class Bus(Protocol):
    """Publish events and consume them from durable per-consumer queues."""

    async def start(self) -> None:
        """Connect and declare the topology; idempotent."""

    async def close(self) -> None:
        """Stop consuming and disconnect; idempotent."""

    async def check(self) -> None:
        """For readiness checks: raises :class:`BusError` when the bus cannot deliver now."""

    async def publish(self, envelope: Envelope) -> None:
        """Publish and return once the broker has the message (publisher confirm)."""

    async def publish_many(self, envelopes: Sequence[Envelope]) -> None:
        """Publish several events in order; returns once the broker has them all."""

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
        """Consume the events whose type matches ``routing_keys`` (``*``/``#`` wildcards).

        ``single_active``: only one consumer of ``queue`` receives events at a time, however
        many processes subscribe (the others take over when it goes away).
        ``transient``: ``queue`` belongs to this process alone (give it a unique name) and
        disappears with it; events are delivered at most once, while it is connected.
        """

    async def dead_letters(self, queue: str, *, limit: int = 100) -> list[DeadLetter]:
        """Up to ``limit`` messages of ``<queue>.dlq``, left in place."""
        ...

    async def replay_dead_letters(self, queue: str, *, limit: int | None = None) -> int:
        """Move dead letters back to ``queue`` for another try; returns how many moved."""
        ...

    async def purge_dead_letters(self, queue: str) -> int:
        """Drop every message of ``<queue>.dlq``; returns how many were dropped."""
        ...


def topic_matches(pattern: str, routing_key: str) -> bool:
    """AMQP topic matching: ``*`` is exactly one word, ``#`` zero or more."""

    def match(p: list[str], k: list[str]) -> bool:
        if not p:
            return not k
        if p[0] == "#":
            return any(match(p[1:], k[i:]) for i in range(len(k) + 1))
        if not k:
            return False
        return (p[0] == "*" or p[0] == k[0]) and match(p[1:], k[1:])

    return match(pattern.split("."), routing_key.split("."))


def failure_reason(error: BaseException) -> str:
    """A one-line reason for a dead-letter header."""
    if isinstance(error, PermanentFailure):
        detail = str(error)
        return error.reason if detail == error.reason else f"{error.reason}: {detail}"[:500]
    return f"handler_failed: {type(error).__name__}: {error}"[:500]
