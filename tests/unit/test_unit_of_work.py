"""The unit of work: the work and its events commit together, or nothing does."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import Session

from codeflix.db import create_engine
from codeflix.events import new_event
from codeflix.outbox import add_outbox_table, add_to_outbox, wake_on_commit
from codeflix.unit_of_work import after_commit, unit_of_work

metadata = sa.MetaData()
notes = sa.Table("notes", metadata, sa.Column("text", sa.String(50), primary_key=True))
outbox = add_outbox_table(metadata)


class CountingRelay:
    def __init__(self) -> None:
        self.wakes = 0

    def wake(self) -> None:
        self.wakes += 1


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[Any]]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'unit.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    session_class = type("UnitSession", (Session,), {})
    yield async_sessionmaker(engine, expire_on_commit=False, sync_session_class=session_class)
    await engine.dispose()


async def rows(sessions: async_sessionmaker[Any], table: sa.Table) -> int:
    async with sessions() as session:
        return int(await session.scalar(sa.select(sa.func.count()).select_from(table)) or 0)


async def write(session: Any, text: str) -> None:
    await session.execute(notes.insert().values(text=text))
    # Any event the platform knows will do: the outbox stores it as it comes.
    note_id = str(uuid.uuid5(uuid.NAMESPACE_URL, text))
    event = new_event("category.deleted", {"id": note_id}, subject=note_id, producer="tests")
    await add_to_outbox(session, event)


async def test_a_unit_that_ends_normally_commits_the_change_and_its_event(
    sessions: async_sessionmaker[Any],
) -> None:
    async with unit_of_work(sessions) as session:
        await write(session, "kept")
    assert await rows(sessions, notes) == 1 and await rows(sessions, outbox) == 1


async def test_a_unit_that_raises_keeps_neither_the_change_nor_its_event(
    sessions: async_sessionmaker[Any],
) -> None:
    ran: list[str] = []
    with pytest.raises(RuntimeError, match="refused"):
        async with unit_of_work(sessions) as session:
            await write(session, "lost")

            async def clean_up() -> None:
                ran.append("clean-up")

            after_commit(session, clean_up)
            raise RuntimeError("refused")
    assert await rows(sessions, notes) == 0 and await rows(sessions, outbox) == 0
    assert ran == []  # what waits for the commit never runs without one


async def test_work_after_the_commit_runs_once_the_rows_are_there(
    sessions: async_sessionmaker[Any],
) -> None:
    seen: list[int] = []
    async with unit_of_work(sessions) as session:
        await write(session, "first")

        async def count_committed() -> None:
            seen.append(await rows(sessions, notes))

        after_commit(session, count_committed)
        assert seen == []
    assert seen == [1]


async def test_the_relay_wakes_only_for_commits_that_carry_events(
    sessions: async_sessionmaker[Any],
) -> None:
    relay = CountingRelay()
    stop = wake_on_commit(sessions.kw["sync_session_class"], [relay])  # type: ignore[list-item]
    try:
        async with unit_of_work(sessions) as session:
            await session.execute(sa.select(notes))  # a read-only request
        assert relay.wakes == 0
        with pytest.raises(RuntimeError):
            async with unit_of_work(sessions) as session:
                await write(session, "rolled back")
                raise RuntimeError
        async with unit_of_work(sessions) as session:
            await session.execute(sa.select(notes))
        assert relay.wakes == 0  # the rolled-back events woke nothing, then or later
        async with unit_of_work(sessions) as session:
            await write(session, "sent")
        assert relay.wakes == 1
    finally:
        stop()
