"""An ``Idempotency-Key`` whose request failed because the database went away is not stranded.

The first request with a key writes a row, then fails when the database goes away in the
middle of it; freeing the key then fails too. Without a retry the row stays "in progress" and
every retry of the key gets 409 forever (the chaos test found a viewer stuck like that after a
PostgreSQL restart). The key must be freed once the database is back, and the retry served.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apis.subscription.database import SCHEMA
from apis.subscription.idempotency import Answer, run_once
from apis.subscription.models import IdempotencyRecord
from codeflix.db import create_engine
from codeflix.migrations import upgrade


class FlakyDatabase:
    """A session factory that refuses to connect while ``down`` is set, as a restart would."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions, self.down, self.refused = sessions, False, 0

    def __call__(self) -> Any:
        if self.down:
            self.refused += 1
            raise OperationalError("connect", {}, ConnectionRefusedError(111, "refused"))
        return self.sessions()


async def test_a_key_failed_by_an_outage_is_freed_once_the_database_is_back(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'subscription.db'}")
    await upgrade(engine, SCHEMA)
    database = FlakyDatabase(async_sessionmaker(engine, expire_on_commit=False))
    key = {"user_id": "viewer-1", "key": "k-1", "fingerprint": "f" * 64}

    async def fails_as_the_database_goes_away() -> Answer:
        database.down = True
        asyncio.get_running_loop().call_later(0.5, setattr, database, "down", False)
        raise OperationalError("insert", {}, ConnectionResetError(104, "reset"))

    async def succeeds() -> Answer:
        return 201, {"id": "sub-1"}

    try:
        with pytest.raises(OperationalError):
            await run_once(
                sessions=database, now=datetime.now(UTC), wait_seconds=1,
                operation=fails_as_the_database_goes_away, **key,
            )  # fmt: skip
        assert database.refused >= 1  # freeing the key met the outage and waited it out
        answer = await run_once(
            sessions=database, now=datetime.now(UTC), wait_seconds=1, operation=succeeds, **key
        )
        assert answer == (201, {"id": "sub-1"})
        async with database.sessions() as session:
            rows = await session.scalar(select(func.count()).select_from(IdempotencyRecord))
        assert rows == 1
    finally:
        await engine.dispose()
