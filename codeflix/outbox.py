"""Transactional outbox: events are written with the state change, then relayed to the bus.

A service adds the ``outbox`` table to its own metadata, calls :func:`add_to_outbox` inside
the transaction that changes its state, and runs an :class:`OutboxRelay` in its lifespan::

    add_outbox_table(Base.metadata)
    ...
    async with session.begin():
        session.add(video)
        await add_to_outbox(session, new_event("video.uploaded", data, subject=..., producer=...))
    relay.wake()  # optional: publish now rather than at the next poll

Either both the state and the event are committed or neither is; the relay publishes with
publisher confirms and marks a row published only afterwards, so every event goes out at least
once (consumers deduplicate with :mod:`codeflix.inbox`), in the order it was written.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

from codeflix.background import PollingWorker
from codeflix.bus.port import Bus
from codeflix.db import session_factory
from codeflix.events import Envelope
from codeflix.observability import domain_counter

log = logging.getLogger("codeflix.outbox")

_SEQ_TYPE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite autoincrements INTEGER


def add_outbox_table(metadata: sa.MetaData) -> sa.Table:
    """Declare the ``outbox`` table in a service's metadata (idempotent)."""
    if "outbox" in metadata.tables:
        return metadata.tables["outbox"]
    return sa.Table(
        "outbox",
        metadata,
        sa.Column("seq", _SEQ_TYPE, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("type", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True, index=True),
    )


# A lightweight view of the table, so writing does not need the service's metadata.
_outbox = sa.table(
    "outbox",
    sa.column("seq", sa.Integer),
    sa.column("event_id", sa.String),
    sa.column("type", sa.String),
    sa.column("body", sa.Text),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("published_at", sa.DateTime(timezone=True)),
)


_WROTE_EVENTS = "codeflix.outbox_written"


async def add_to_outbox(session: AsyncSession, envelope: Envelope) -> None:
    """Store an event in the session's current transaction; it is sent once that commits."""
    session.info[_WROTE_EVENTS] = True
    await session.execute(
        sa.insert(_outbox).values(
            event_id=str(envelope.id),
            type=envelope.type,
            body=envelope.to_json().decode(),
            created_at=datetime.now(UTC),
        )
    )


def wake_on_commit(
    session_class: type[Session], relays: Iterable[OutboxRelay]
) -> Callable[[], None]:
    """Wake ``relays`` whenever a session of ``session_class`` commits events.

    The relay then publishes at once instead of at its next poll. Commits that wrote no event
    (every read-only request ends in one) leave it asleep. Returns a function that stops it.
    """

    def wake(session: Session) -> None:
        if session.info.pop(_WROTE_EVENTS, False):
            for relay in relays:
                relay.wake()

    def forget(session: Session) -> None:
        session.info.pop(_WROTE_EVENTS, None)

    event.listen(session_class, "after_commit", wake)
    event.listen(session_class, "after_rollback", forget)

    def stop() -> None:
        event.remove(session_class, "after_commit", wake)
        event.remove(session_class, "after_rollback", forget)

    return stop


class OutboxRelay(PollingWorker):
    """Background task that publishes committed outbox rows in order, then marks them sent.

    Use as ``async with OutboxRelay(engine, bus): ...`` in a lifespan, or ``start()``/``stop()``;
    ``wake()`` publishes now instead of at the next poll. When the bus is down the relay backs
    off and keeps the rows; nothing is lost.
    """

    task_name = "outbox-relay"

    def __init__(
        self,
        engine: AsyncEngine,
        bus: Bus,
        *,
        poll_interval: float = 0.5,
        batch_size: int = 100,
        max_backoff: float = 5.0,
        keep_published: timedelta = timedelta(hours=1),
    ) -> None:
        super().__init__()
        self._sessions = session_factory(engine)
        self._bus = bus
        self._poll_interval = poll_interval
        self._batch_size = batch_size
        self._max_backoff = max_backoff
        self._keep_published = keep_published
        self._published = domain_counter("outbox_published_total", "Events relayed.", ("type",))

    async def relay_once(self) -> int:
        """Publish one batch of pending events; returns how many went out."""
        async with self._sessions() as session, session.begin():
            rows = (
                await session.execute(
                    sa.select(_outbox.c.seq, _outbox.c.type, _outbox.c.body)
                    .where(_outbox.c.published_at.is_(None))
                    .order_by(_outbox.c.seq)
                    .limit(self._batch_size)
                    # Several replicas may relay the same table: each takes its own rows.
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return 0
            # If the bus fails part-way, the transaction rolls back and the whole batch goes
            # out again later: duplicates, which inboxes absorb, but never a lost event.
            await self._bus.publish_many([Envelope.model_validate_json(r.body) for r in rows])
            await session.execute(
                sa.update(_outbox)
                .where(_outbox.c.seq.in_([r.seq for r in rows]))
                .values(published_at=datetime.now(UTC))
            )
        for row in rows:
            self._published.labels(type=row.type).inc()
        return len(rows)

    async def prune(self) -> int:
        """Delete rows published longer ago than ``keep_published``."""
        cutoff = datetime.now(UTC) - self._keep_published
        async with self._sessions() as session, session.begin():
            result: Any = await session.execute(
                sa.delete(_outbox).where(_outbox.c.published_at < cutoff)
            )
            return int(result.rowcount or 0)

    async def _run(self) -> None:
        backoff = self._poll_interval
        rounds = 0
        while True:
            try:
                sent = await self.relay_once()
                backoff = self._poll_interval
                rounds += 1
                if rounds % 1000 == 0:
                    await self.prune()
            except asyncio.CancelledError:
                raise
            except Exception:
                # The broker or the database is away: keep the rows and try again later.
                log.warning("outbox relay failed; retrying", exc_info=True)
                sent = 0
                backoff = min(backoff * 2, self._max_backoff)
            if sent >= self._batch_size:
                continue
            await self._sleep(backoff)
