"""Idempotent consumers: remember which events a consumer has handled.

Delivery is at least once, so a consumer records each event id in the same transaction as
the effect of the event::

    add_inbox_table(Base.metadata)
    ...
    async with session.begin():
        if not await first_delivery(session, consumer="search.videos", event_id=envelope.id):
            return  # a redelivery: the effect is already committed
        ...apply the event...
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def add_inbox_table(metadata: sa.MetaData) -> sa.Table:
    """Declare the ``inbox`` table in a service's metadata (idempotent)."""
    if "inbox" in metadata.tables:
        return metadata.tables["inbox"]
    return sa.Table(
        "inbox",
        metadata,
        sa.Column("consumer", sa.String(200), primary_key=True),
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    )


_inbox = sa.table(
    "inbox",
    sa.column("consumer", sa.String),
    sa.column("event_id", sa.String),
    sa.column("processed_at", sa.DateTime(timezone=True)),
)


async def first_delivery(
    session: AsyncSession, *, consumer: str, event_id: uuid.UUID | str
) -> bool:
    """Record that ``consumer`` handles ``event_id``; False when it already did.

    Call it inside the transaction that applies the event: if that transaction rolls back,
    the record goes with it and the redelivered event is handled again.
    """
    values = {
        "consumer": consumer,
        "event_id": str(event_id),
        "processed_at": datetime.now(UTC),
    }
    dialect = session.get_bind().dialect.name
    insert: Any
    if dialect == "postgresql":
        insert = postgresql.insert(_inbox).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        insert = sqlite.insert(_inbox).values(**values).on_conflict_do_nothing()
    else:  # pragma: no cover - Codeflix runs on PostgreSQL and SQLite only
        raise ValueError(f"the inbox needs PostgreSQL or SQLite, not {dialect}")
    result: Any = await session.execute(insert)
    return bool(result.rowcount == 1)
