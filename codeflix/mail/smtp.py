"""The SMTP adapter of the mail port (aiosmtplib), and the choice of mailer for a service."""

from __future__ import annotations

import logging
from collections.abc import Callable
from email.message import EmailMessage
from typing import TYPE_CHECKING, Literal

import aiosmtplib

from codeflix.mail.port import Mailer, MailError, PermanentMailError
from codeflix.mail.store import MailStore

if TYPE_CHECKING:
    from codeflix.platform import Platform
    from codeflix.settings import CommonSettings

log = logging.getLogger("codeflix.mail")
Security = Literal["starttls", "tls", "none"]


class SMTPMailer:
    """Sends through an SMTP server: STARTTLS (port 587), implicit TLS (465) or plain."""

    def __init__(
        self,
        *,
        host: str,
        port: int | Callable[[], int],
        security: Security = "starttls",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        self._host = host
        self._port = port
        self._security = security
        self._username = username
        self._password = password
        self._timeout = timeout

    @property
    def port(self) -> int:
        # The embedded server picks its port when it starts, after the services are built.
        return self._port() if callable(self._port) else self._port

    async def send(self, message: EmailMessage) -> None:
        try:
            await aiosmtplib.send(
                message,
                hostname=self._host,
                port=self.port,
                username=self._username,
                password=self._password,
                use_tls=self._security == "tls",
                start_tls=self._security == "starttls",
                timeout=self._timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as e:
            codes = [r.code for r in e.recipients]
            detail = "; ".join(f"{r.code} {r.message}" for r in e.recipients)
            if codes and all(500 <= code < 600 for code in codes):
                raise PermanentMailError(f"{self._host} refused the recipient: {detail}") from e
            raise MailError(f"{self._host} did not take the recipient yet: {detail}") from e
        except aiosmtplib.SMTPResponseException as e:
            if 500 <= e.code < 600:
                reason = f"{self._host} refused the message: {e.code} {e.message}"
                raise PermanentMailError(reason) from e
            raise MailError(f"{self._host} answered {e.code} {e.message}") from e
        except (aiosmtplib.SMTPException, OSError) as e:
            raise MailError(f"cannot send through {self._host}:{self.port}: {e}") from e


class StoreMailer:
    """Keeps messages in the local mail store without SMTP (a service run on its own)."""

    def __init__(self, store: MailStore) -> None:
        self._store = store

    async def send(self, message: EmailMessage) -> None:
        self._store.save(message.as_bytes())


def mailer_for(settings: CommonSettings, platform: Platform | None = None) -> Mailer:
    """SMTP when ``CODEFLIX_SMTP_HOST`` is set; embedded, the platform's own SMTP server;
    otherwise the messages are kept under ``<data_dir>/mail``."""
    if settings.smtp_host:
        return SMTPMailer(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            username=settings.smtp_username,
            password=settings.smtp_password,
        )
    if platform is not None and platform.mail_server is not None:
        server = platform.mail_server
        return SMTPMailer(host=server.host, port=lambda: server.port, security="none")
    if settings.environment == "production":
        log.warning("CODEFLIX_SMTP_HOST is not set: mail is only kept under the data directory")
    return StoreMailer(MailStore(settings.data_dir / "mail"))
