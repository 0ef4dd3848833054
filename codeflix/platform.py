"""What the services of one process share.

Deployed, each service runs alone and builds its clients from its settings. Embedded, the
gateway builds one :class:`Platform` and hands it to every service so they share the object
store and the in-process bus, as separate processes would share the real ones.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from codeflix.settings import CommonSettings
from codeflix.storage import ObjectStore, open_store


@dataclass
class Platform:
    settings: CommonSettings
    store: ObjectStore
    # Filled by the parts that need them (the event bus, the Ray-backed encoder, ...).
    extras: dict[str, Any] = field(default_factory=dict)
    # Started (in order) before the services and stopped after them, e.g. the bus.
    startup_hooks: list[Callable[[], AbstractAsyncContextManager[Any]]] = field(
        default_factory=list
    )

    @classmethod
    def from_settings(cls, settings: CommonSettings) -> Platform:
        platform = cls(settings=settings, store=open_store(settings))
        install_bus(platform)
        return platform


def install_bus(platform: Platform) -> None:
    """Give the platform its shared bus (``extras["bus"]``), started before the services."""
    from codeflix.bus import bus_for

    bus = bus_for(platform.settings)
    platform.extras["bus"] = bus

    @asynccontextmanager
    async def running_bus() -> AsyncIterator[None]:
        await bus.start()
        try:
            yield
        finally:
            await bus.close()

    platform.startup_hooks.append(running_bus)
