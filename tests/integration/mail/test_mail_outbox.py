"""Mail goes out from the outbox through a real SMTP server and is read back from its store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy.ext.asyncio import AsyncEngine

from codeflix.db import create_engine, session_factory
from codeflix.mail import MailRelay, OutgoingMail, SMTPMailer, add_mail_outbox_table, queue_mail
from codeflix.mail.server import LocalMailServer
from tests.integration.conftest import free_port
from tests.support.clock import FakeClock
from tests.support.mail import CountingStore

SENDER = "Codeflix <no-reply@codeflix.test>"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'mail.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    metadata = sa.MetaData()
    add_mail_outbox_table(metadata)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


async def queue(engine: AsyncEngine, *mails: OutgoingMail, now: datetime) -> None:
    async with session_factory(engine)() as session, session.begin():
        for mail in mails:
            await queue_mail(session, mail, now=now)


def mail(to: str, subject: str = "Hello") -> OutgoingMail:
    return OutgoingMail(to=to, subject=subject, text=f"Hi {to}", html=f"<p>Hi <b>{to}</b></p>")


def smtp_to(server: LocalMailServer) -> SMTPMailer:
    return SMTPMailer(host=server.host, port=server.port, security="none")


async def outbox_rows(engine: AsyncEngine) -> list[sa.Row[tuple[object, ...]]]:
    async with engine.connect() as connection:
        return list((await connection.execute(sa.text("SELECT * FROM mail_outbox"))).all())


async def test_queued_mail_is_sent_once_with_text_and_html(
    engine: AsyncEngine, mail_server: LocalMailServer
) -> None:
    clock = FakeClock()
    await queue(
        engine, mail("ada@example.com", "Welcome"), mail("bob@example.com"), now=clock.now()
    )
    relay = MailRelay(engine, smtp_to(mail_server), sender=SENDER, clock=clock)

    assert await relay.relay_once() == 2
    assert await relay.relay_once() == 0

    received = mail_server.store.list()
    assert sorted(m.to for m in received) == ["ada@example.com", "bob@example.com"]
    ada = next(m for m in received if m.to == "ada@example.com")
    assert ada.subject == "Welcome" and ada.sender == SENDER
    assert ada.body() == "Hi ada@example.com\n"
    assert "<b>ada@example.com</b>" in ada.body("html")
    assert str(ada.message["Message-ID"]).endswith("@codeflix.test>")
    assert all(row.sent_at is not None for row in await outbox_rows(engine))


async def test_a_server_that_is_away_delays_the_mail_but_never_loses_it(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    clock = FakeClock()
    port = free_port()
    await queue(engine, mail("ada@example.com"), now=clock.now())
    relay = MailRelay(
        engine, SMTPMailer(host="127.0.0.1", port=port, security="none"), sender=SENDER, clock=clock
    )
    assert await relay.relay_once() == 0
    [row] = await outbox_rows(engine)
    assert row.attempts == 1 and row.sent_at is None and "cannot send" in row.last_error

    server = LocalMailServer(CountingStore(tmp_path / "later"), port=port)
    async with server.running():
        assert await relay.relay_once() == 0  # not due yet: the retry waits
        clock.advance(31)
        assert await relay.relay_once() == 1
    assert [m.to for m in server.store.list()] == ["ada@example.com"]


class CrashAfterSending:
    """Sends for real, then dies before the relay can record it (a process killed there)."""

    def __init__(self, inner: SMTPMailer) -> None:
        self.inner = inner

    async def send(self, message: EmailMessage) -> None:
        await self.inner.send(message)
        raise SystemExit("killed after the server accepted the message")


async def test_a_crash_after_the_server_accepted_resends_without_a_duplicate(
    engine: AsyncEngine, mail_server: LocalMailServer
) -> None:
    clock = FakeClock()
    await queue(engine, mail("ada@example.com"), now=clock.now())
    dying = MailRelay(engine, CrashAfterSending(smtp_to(mail_server)), sender=SENDER, clock=clock)
    with pytest.raises(SystemExit):
        await dying.relay_once()

    relay = MailRelay(engine, smtp_to(mail_server), sender=SENDER, clock=clock)
    assert await relay.relay_once() == 0  # the dead relay's lease still holds
    clock.advance(121)
    assert await relay.relay_once() == 1

    store = mail_server.store
    assert isinstance(store, CountingStore) and store.received == 2
    assert [m.to for m in store.list()] == ["ada@example.com"]  # same Message-ID, one copy


async def test_two_relays_at_once_send_each_message_once(
    engine: AsyncEngine, mail_server: LocalMailServer
) -> None:
    clock = FakeClock()
    await queue(engine, *(mail(f"viewer{i}@example.com") for i in range(6)), now=clock.now())
    relays = [MailRelay(engine, smtp_to(mail_server), sender=SENDER, clock=clock) for _ in (1, 2)]
    sent = await asyncio.gather(*(r.relay_once() for r in relays))
    assert sum(sent) == 6
    store = mail_server.store
    assert isinstance(store, CountingStore) and store.received == 6


class RefusingHandler:
    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        return "550 5.1.1 no such mailbox"


async def test_a_refused_recipient_is_given_up_at_once(engine: AsyncEngine) -> None:
    clock = FakeClock()
    await queue(engine, mail("gone@example.com"), now=clock.now())
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(RefusingHandler(), loop=loop), "127.0.0.1", 0)
    try:
        port = server.sockets[0].getsockname()[1]
        mailer = SMTPMailer(host="127.0.0.1", port=port, security="none")
        relay = MailRelay(engine, mailer, sender=SENDER, clock=clock)
        assert await relay.relay_once() == 0
        clock.advance(3600)
        assert await relay.relay_once() == 0
    finally:
        server.close()
        await server.wait_closed()
    [row] = await outbox_rows(engine)
    assert row.failed_at is not None and row.attempts == 1 and "550" in row.last_error


@pytest.mark.parametrize("subject", ["Hi\r\nBcc: victim@example.com", "Hi\nX: y", "", "a\x00b"])
def test_a_header_that_would_inject_headers_is_refused(subject: str) -> None:
    with pytest.raises(ValueError, match="one non-empty line"):
        mail("ada@example.com", subject)


async def test_the_relay_runs_in_the_background(
    engine: AsyncEngine, mail_server: LocalMailServer
) -> None:
    now = datetime.now(UTC) - timedelta(seconds=1)
    await queue(engine, mail("ada@example.com"), now=now)
    async with MailRelay(engine, smtp_to(mail_server), sender=SENDER, poll_interval=0.05):
        for _ in range(100):
            if mail_server.store.list():
                break
            await asyncio.sleep(0.05)
    assert [m.to for m in mail_server.store.list()] == ["ada@example.com"]
