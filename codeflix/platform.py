"""What the services of one process share.

Deployed, each service runs alone and builds its clients from its settings. Embedded, the
gateway builds one :class:`Platform` and hands it to every service so they share the object
store and the in-process bus, as separate processes would share the real ones.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from codeflix.settings import CommonSettings
from codeflix.storage import ObjectStore, open_store

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from codeflix.bus.port import Bus
    from codeflix.mail.server import LocalMailServer
    from codeflix.typesense_server import TypesenseServer


@dataclass
class Platform:
    settings: CommonSettings
    store: ObjectStore
    # The shared parts, each set by what installs it; None when this platform has none.
    bus: Bus | None = None
    # The embedded identity service: the others fetch its keys and tokens in-process.
    identity_app: ASGIApp | None = None
    mail_server: LocalMailServer | None = None
    typesense: TypesenseServer | None = None
    # The embedded encoder worker (actors/), kept so tests and shutdown can reach it.
    encoder: object | None = None
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
    """Give the platform its shared bus, started before the services."""
    from codeflix.bus import bus_for

    bus = bus_for(platform.settings)
    platform.bus = bus

    @asynccontextmanager
    async def running_bus() -> AsyncIterator[None]:
        await bus.start()
        try:
            yield
        finally:
            await bus.close()

    platform.startup_hooks.append(running_bus)
