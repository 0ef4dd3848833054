"""A real SMTP server (aiosmtpd, as ``codeflix up`` runs it) for tests that send mail."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from codeflix.mail.server import LocalMailServer
from codeflix.mail.store import MailStore, StoredMail


class CountingStore(MailStore):
    """The mail store, also counting every message the server received (duplicates too)."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        self.received = 0

    def save(self, raw: bytes) -> str:
        self.received += 1
        return super().save(raw)


@pytest.fixture
async def mail_server(tmp_path: Path) -> AsyncIterator[LocalMailServer]:
    """The embedded SMTP server on a free port, keeping messages under a temporary folder."""
    server = LocalMailServer(CountingStore(tmp_path / "mail"))
    async with server.running():
        yield server


def mails_to(store: MailStore, address: str) -> list[StoredMail]:
    return [m for m in store.list() if m.to == address]


def link_in(mail: StoredMail, path: str) -> str:
    """The first link of the plain-text body that goes to ``path``."""
    found = re.search(rf"https?://\S*{re.escape(path)}\S*", mail.body())
    assert found, f"no link to {path} in:\n{mail.body()}"
    return found.group(0)
