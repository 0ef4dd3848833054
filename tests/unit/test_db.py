import asyncio
import threading

import pytest

from codeflix.db import create_engine, database_check


async def test_database_check_passes_on_a_reachable_database(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'service.db'}")
    try:
        await database_check(engine)()
    finally:
        await engine.dispose()


async def test_database_check_raises_when_the_database_cannot_be_opened(tmp_path):
    # A folder where the file should be: SQLite cannot open it.
    unopenable = tmp_path / "service.db"
    unopenable.mkdir()
    engine = create_engine(f"sqlite+aiosqlite:///{unopenable}")
    try:
        with pytest.raises(Exception, match="unable to open database file"):
            await database_check(engine)()
    finally:
        await engine.dispose()


async def test_a_failed_sqlite_connection_leaves_no_thread_behind(tmp_path):
    unopenable = tmp_path / "service.db"
    unopenable.mkdir()
    engine = create_engine(f"sqlite+aiosqlite:///{unopenable}")
    before = set(threading.enumerate())
    try:
        for _ in range(5):
            with pytest.raises(Exception, match="unable to open database file"):
                await database_check(engine)()
    finally:
        await engine.dispose()
    # Without waiting for it, aiosqlite's worker thread outlives the failed connect and later
    # dies on a closed event loop, failing whichever test is running then.
    await asyncio.sleep(0)
    left = [t for t in threading.enumerate() if t not in before and "connection_worker" in t.name]
    assert left == []


async def test_sqlite_engines_enforce_foreign_keys(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'nested' / 'service.db'}")
    try:
        async with engine.connect() as connection:
            result = await connection.exec_driver_sql("PRAGMA foreign_keys")
            assert result.scalar() == 1
    finally:
        await engine.dispose()
