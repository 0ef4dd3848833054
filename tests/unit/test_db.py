import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from codeflix.db import create_engine, database_check


async def test_database_check_passes_on_a_reachable_database(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'service.db'}")
    try:
        await database_check(engine)()
    finally:
        await engine.dispose()


async def test_database_check_raises_when_the_database_cannot_be_opened(tmp_path):
    missing = tmp_path / "no-such-folder" / "service.db"
    engine = create_async_engine(f"sqlite+aiosqlite:///{missing}")
    try:
        with pytest.raises(Exception, match="unable to open database file"):
            await database_check(engine)()
    finally:
        await engine.dispose()


async def test_sqlite_engines_enforce_foreign_keys(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'nested' / 'service.db'}")
    try:
        async with engine.connect() as connection:
            result = await connection.exec_driver_sql("PRAGMA foreign_keys")
            assert result.scalar() == 1
    finally:
        await engine.dispose()
