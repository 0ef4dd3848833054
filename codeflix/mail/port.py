"""The mail port: what a service hands over to be sent, and who sends it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Protocol


class MailError(Exception):
    """Sending failed for now (server away, greylisting); the outbox tries again later."""


class PermanentMailError(MailError):
    """The server refused the message for good (5xx): trying again cannot help."""


@dataclass(frozen=True)
class OutgoingMail:
    """A rendered message: one recipient, a subject, a plain-text and an HTML body."""

    to: str
    subject: str
    text: str
    html: str

    def __post_init__(self) -> None:
        # A line break in a header would let a value add headers of its own (a Bcc, say).
        for name, value in (("to", self.to), ("subject", self.subject)):
            if any(c in value for c in "\r\n\x00") or not value.strip():
                raise ValueError(f"the mail's {name} must be one non-empty line")


@dataclass(frozen=True)
class MailDelivery:
    """An outbox row ready to go: its Message-ID stays the same on every attempt."""

    message_id: str
    sender: str
    mail: OutgoingMail
    created_at: datetime

    def to_message(self) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = self.mail.to
        message["Subject"] = self.mail.subject
        message["Date"] = format_datetime(self.created_at)
        message["Message-ID"] = self.message_id
        message.set_content(self.mail.text)
        message.add_alternative(self.mail.html, subtype="html")
        return message


class Mailer(Protocol):
    """Hands one message to the mail system; raises :class:`MailError` when it did not."""

    async def send(self, message: EmailMessage) -> None: ...
