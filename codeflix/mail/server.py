"""The embedded SMTP server (aiosmtpd): ``codeflix up`` receives its own mail locally.

It listens on 127.0.0.1 at a free port and stores every message in the mail store under
``<data_dir>/mail``, where ``codeflix mail list|show`` reads them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from codeflix.mail.store import MailStore
from codeflix.platform import Platform


class _StoreHandler:
    def __init__(self, store: MailStore) -> None:
        self._store = store

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        await asyncio.to_thread(self._store.save, raw)
        return "250 Message accepted for delivery"


class LocalMailServer:
    """An SMTP server on this machine that keeps what it receives in a :class:`MailStore`."""

    def __init__(self, store: MailStore, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.store = store
        self.host = host
        self._requested_port = port
        self._server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the local mail server is not running")
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def start(self) -> None:
        handler = _StoreHandler(self.store)
        loop = asyncio.get_running_loop()

        def protocol() -> Any:
            return SMTP(handler, hostname="codeflix.localhost", loop=loop)

        self._server = await loop.create_server(protocol, self.host, self._requested_port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[LocalMailServer]:
        await self.start()
        try:
            yield self
        finally:
            await self.stop()


def install_embedded_mail(platform: Platform) -> LocalMailServer:
    """Run a local SMTP server for the platform's services, started before them."""
    server = LocalMailServer(MailStore(platform.settings.data_dir / "mail"))
    platform.mail_server = server
    platform.startup_hooks.append(server.running)
    return server
