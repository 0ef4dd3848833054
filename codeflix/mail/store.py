"""The local mail store: what the embedded SMTP server received, one ``.eml`` file each.

A file is named after the message's Message-ID, so a message delivered twice (the outbox
resends when a crash came between the server's answer and the commit) is kept once.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import cast


@dataclass(frozen=True)
class StoredMail:
    id: str
    path: Path
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message.get("Subject", ""))

    @property
    def to(self) -> str:
        return str(self.message.get("To", ""))

    @property
    def sender(self) -> str:
        return str(self.message.get("From", ""))

    @property
    def date(self) -> datetime:
        try:
            return parsedate_to_datetime(str(self.message["Date"]))
        except (TypeError, ValueError):
            return datetime.fromtimestamp(self.path.stat().st_mtime, UTC)

    def body(self, subtype: str = "plain") -> str:
        part = self.message.get_body(preferencelist=(subtype,))
        if part is None:
            return ""
        # SMTP carries CRLF line ends; readers want the text as it was written.
        return str(cast(EmailMessage, part).get_content()).replace("\r\n", "\n")


class MailStore:
    """A folder of received messages; ``save`` is atomic and keeps one copy per Message-ID."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def save(self, raw: bytes) -> str:
        message = _parse(raw)
        message_id = str(message.get("Message-ID", "")).strip()
        digest = hashlib.sha256(message_id.encode() if message_id else raw).hexdigest()[:20]
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.directory / f"{digest}.eml"
        if not target.exists():
            partial = self.directory / f".{digest}.{uuid.uuid4().hex}.tmp"
            partial.write_bytes(raw)
            os.replace(partial, target)
        return digest

    def list(self) -> list[StoredMail]:
        """Every message, oldest first."""
        if not self.directory.is_dir():
            return []
        mails = [self._read(path) for path in self.directory.glob("*.eml")]
        return sorted(mails, key=lambda m: (m.date, m.id))

    def get(self, mail_id: str) -> StoredMail | None:
        """The message whose id is ``mail_id`` or starts with it (when only one does)."""
        if not mail_id or not all(c in "0123456789abcdef" for c in mail_id):
            return None
        found = sorted(self.directory.glob(f"{mail_id}*.eml")) if self.directory.is_dir() else []
        return self._read(found[0]) if len(found) == 1 else None

    @staticmethod
    def _read(path: Path) -> StoredMail:
        return StoredMail(id=path.stem, path=path, message=_parse(path.read_bytes()))


def _parse(raw: bytes) -> EmailMessage:
    return cast(EmailMessage, BytesParser(policy=policy.default).parsebytes(raw))
