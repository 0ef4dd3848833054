"""The event bus: a port (:class:`Bus`) with a RabbitMQ adapter and an in-process one.

Getting the bus a service should use::

    bus = bus_for(settings, platform)

Embedded, that is the platform's shared :class:`InMemoryBus` (started and closed by the
platform); deployed (``CODEFLIX_AMQP_URL`` set) a :class:`RabbitMQBus` of the service's own.
:func:`service_bus` wraps both cases in one ``async with`` for a service's lifespan.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from codeflix.bus.delivery import delivery_attempt, is_last_attempt
from codeflix.bus.memory import InMemoryBus
from codeflix.bus.port import (
    DEAD_LETTER_EXCHANGE,
    EXCHANGE,
    REASON_HEADER,
    Bus,
    BusError,
    BusUnavailable,
    DeadLetter,
    Handler,
    PermanentFailure,
)

if TYPE_CHECKING:
    from codeflix.bus.rabbitmq import RabbitMQBus
    from codeflix.platform import Platform
    from codeflix.settings import CommonSettings

__all__ = [
    "DEAD_LETTER_EXCHANGE",
    "EXCHANGE",
    "REASON_HEADER",
    "Bus",
    "BusError",
    "BusUnavailable",
    "DeadLetter",
    "Handler",
    "InMemoryBus",
    "PermanentFailure",
    "RabbitMQBus",
    "bus_for",
    "delivery_attempt",
    "is_last_attempt",
    "service_bus",
]


def __getattr__(name: str) -> Any:
    # aio-pika is only imported by processes that talk to RabbitMQ.
    if name == "RabbitMQBus":
        from codeflix.bus.rabbitmq import RabbitMQBus

        return RabbitMQBus
    raise AttributeError(name)


def bus_for(settings: CommonSettings, platform: Platform | None = None) -> Bus:
    """The platform's shared bus when embedded, else a RabbitMQBus (or, without a broker
    URL, an InMemoryBus private to this process)."""
    if platform is not None and platform.bus is not None:
        return platform.bus
    if settings.amqp_url:
        from codeflix.bus.rabbitmq import RabbitMQBus

        return RabbitMQBus(settings.amqp_url)
    return InMemoryBus()


@asynccontextmanager
async def service_bus(
    settings: CommonSettings, platform: Platform | None = None
) -> AsyncIterator[Bus]:
    """The bus for a service's lifespan: started and closed here unless the platform owns it."""
    shared = platform is not None and platform.bus is not None
    bus = bus_for(settings, platform)
    if shared:
        yield bus
        return
    await bus.start()
    try:
        yield bus
    finally:
        await bus.close()
