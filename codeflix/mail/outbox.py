"""The mail outbox: a message is queued with the change it tells about, then sent by a relay.

A message is a row written in the caller's transaction, so it exists exactly when the change
does. The relay takes a row with a lease (one replica at a time), sends it, and marks it sent.
A crash after the server accepted it and before the mark sends it again after the lease runs
out, with the same Message-ID: a message is never lost, and the local mail store keeps one copy
per Message-ID. An SMTP server cannot say whether it already took a message, so through a real
one that window (after its 250, before the commit) can deliver twice.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from codeflix.background import PollingWorker
from codeflix.clock import Clock, SystemClock
from codeflix.db import session_factory
from codeflix.mail.port import MailDelivery, Mailer, MailError, OutgoingMail, PermanentMailError
from codeflix.observability import domain_counter

log = logging.getLogger("codeflix.mail")


def add_mail_outbox_table(metadata: sa.MetaData) -> sa.Table:
    """Declare the ``mail_outbox`` table in a service's metadata (idempotent)."""
    if "mail_outbox" in metadata.tables:
        return metadata.tables["mail_outbox"]
    return sa.Table(
        "mail_outbox",
        metadata,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("subject", sa.String(500), nullable=False),
        sa.Column("text_body", sa.Text, nullable=False),
        sa.Column("html_body", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("leased_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, default=0),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True, index=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
    )


_mail = sa.table(
    "mail_outbox",
    sa.column("id", sa.String),
    sa.column("recipient", sa.String),
    sa.column("subject", sa.String),
    sa.column("text_body", sa.Text),
    sa.column("html_body", sa.Text),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("next_attempt_at", sa.DateTime(timezone=True)),
    sa.column("leased_until", sa.DateTime(timezone=True)),
    sa.column("attempts", sa.Integer),
    sa.column("sent_at", sa.DateTime(timezone=True)),
    sa.column("failed_at", sa.DateTime(timezone=True)),
    sa.column("last_error", sa.Text),
)


async def queue_mail(session: AsyncSession, mail: OutgoingMail, *, now: datetime) -> str:
    """Queue a message in the session's transaction; it is sent once that commits."""
    mail_id = str(uuid.uuid4())
    await session.execute(
        sa.insert(_mail).values(
            id=mail_id,
            recipient=mail.to,
            subject=mail.subject,
            text_body=mail.text,
            html_body=mail.html,
            created_at=now,
            next_attempt_at=now,
            attempts=0,
        )
    )
    return mail_id


class MailRelay(PollingWorker):
    """Background task sending queued messages; failures are retried with growing delays."""

    task_name = "mail-relay"

    def __init__(
        self,
        engine: AsyncEngine,
        mailer: Mailer,
        *,
        sender: str,
        clock: Clock | None = None,
        poll_interval: float = 1.0,
        batch_size: int = 20,
        lease: timedelta = timedelta(minutes=2),
        max_attempts: int = 8,
        first_retry: timedelta = timedelta(seconds=30),
    ) -> None:
        super().__init__()
        self._sessions = session_factory(engine)
        self._mailer = mailer
        self._sender = sender
        self._domain = parseaddr(sender)[1].rpartition("@")[2] or "codeflix.localhost"
        self._clock = clock or SystemClock()
        self._poll_interval = poll_interval
        self._batch_size = batch_size
        self._lease = lease
        self._max_attempts = max_attempts
        self._first_retry = first_retry
        self._sent = domain_counter("mail_sent_total", "Messages handed to the mail server.", ())
        self._failed = domain_counter("mail_failures_total", "Failed sends.", ("final",))

    def message_id(self, mail_id: str) -> str:
        return f"<{mail_id}@{self._domain}>"

    async def relay_once(self) -> int:
        """Send the messages that are due; returns how many went out."""
        now = self._clock.now()
        async with self._sessions() as session:
            due = (
                await session.scalars(
                    sa.select(_mail.c.id)
                    .where(
                        _mail.c.sent_at.is_(None),
                        _mail.c.failed_at.is_(None),
                        _mail.c.next_attempt_at <= now,
                        sa.or_(_mail.c.leased_until.is_(None), _mail.c.leased_until < now),
                    )
                    .order_by(_mail.c.created_at)
                    .limit(self._batch_size)
                )
            ).all()
        sent = 0
        for mail_id in due:
            delivery = await self._claim(mail_id)
            if delivery is not None and await self._deliver(delivery):
                sent += 1
        return sent

    async def _claim(self, mail_id: str) -> MailDelivery | None:
        """Take the row for one lease; None when another relay has it or it went out."""
        now = self._clock.now()
        async with self._sessions() as session, session.begin():
            result: Any = await session.execute(
                sa.update(_mail)
                .where(
                    _mail.c.id == mail_id,
                    _mail.c.sent_at.is_(None),
                    _mail.c.failed_at.is_(None),
                    sa.or_(_mail.c.leased_until.is_(None), _mail.c.leased_until < now),
                )
                .values(leased_until=now + self._lease)
            )
            if result.rowcount != 1:
                return None
            row = (await session.execute(sa.select(_mail).where(_mail.c.id == mail_id))).one()
        mail = OutgoingMail(
            to=row.recipient, subject=row.subject, text=row.text_body, html=row.html_body
        )
        created_at = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
        return MailDelivery(
            message_id=self.message_id(mail_id),
            sender=self._sender,
            mail=mail,
            created_at=created_at,
        )

    async def _deliver(self, delivery: MailDelivery) -> bool:
        mail_id = delivery.message_id[1:].partition("@")[0]
        try:
            await self._mailer.send(delivery.to_message())
        except MailError as e:
            await self._record_failure(mail_id, e)
            return False
        async with self._sessions() as session, session.begin():
            await session.execute(
                sa.update(_mail)
                .where(_mail.c.id == mail_id)
                .values(sent_at=self._clock.now(), leased_until=None, last_error=None)
            )
        self._sent.inc()
        return True

    async def _record_failure(self, mail_id: str, error: MailError) -> None:
        now = self._clock.now()
        async with self._sessions() as session, session.begin():
            attempts = int(
                await session.scalar(sa.select(_mail.c.attempts).where(_mail.c.id == mail_id)) or 0
            )
            attempts += 1
            final = isinstance(error, PermanentMailError) or attempts >= self._max_attempts
            delay = self._first_retry * (2 ** (attempts - 1))
            await session.execute(
                sa.update(_mail)
                .where(_mail.c.id == mail_id)
                .values(
                    attempts=attempts,
                    leased_until=None,
                    next_attempt_at=now + delay,
                    failed_at=now if final else None,
                    last_error=str(error)[:2000],
                )
            )
        self._failed.labels(final=str(final).lower()).inc()
        log.warning("sending mail %s failed (attempt %d): %s", mail_id, attempts, error)

    async def _run(self) -> None:
        while True:
            try:
                await self.relay_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                # The database is away: the rows stay and the next round tries again.
                log.warning("mail relay failed; retrying", exc_info=True)
            await self._sleep(self._poll_interval)
