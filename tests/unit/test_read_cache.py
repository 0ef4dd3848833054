"""The read cache: answers kept for their time, one load for many askers, emptied by writes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import Integer, String, select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from codeflix.cache import ReadCache, clear_after_writes
from codeflix.db import create_engine


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Loads:
    """A loader that counts its calls and answers with the call's number."""

    def __init__(self) -> None:
        self.calls = 0
        self.gate: asyncio.Event | None = None

    async def __call__(self) -> int:
        self.calls += 1
        if self.gate is not None:
            await self.gate.wait()
        return self.calls


async def test_an_answer_is_kept_for_its_time_then_asked_again() -> None:
    clock, load = FakeClock(), Loads()
    cache: ReadCache[str, int] = ReadCache(ttl=2.0, clock=clock)
    assert await cache.get("page", load) == 1
    clock.now += 1.9
    assert await cache.get("page", load) == 1
    clock.now += 0.2
    assert await cache.get("page", load) == 2
    assert (cache.hits, cache.misses) == (1, 2)


async def test_many_askers_of_one_key_share_one_load() -> None:
    load = Loads()
    load.gate = asyncio.Event()
    cache: ReadCache[str, int] = ReadCache(ttl=5.0)
    askers = [asyncio.create_task(cache.get("page", load)) for _ in range(20)]
    await asyncio.sleep(0.01)
    load.gate.set()
    assert await asyncio.gather(*askers) == [1] * 20
    assert load.calls == 1


async def test_clear_forgets_and_a_load_begun_before_it_is_not_kept() -> None:
    load = Loads()
    cache: ReadCache[str, int] = ReadCache(ttl=60.0)
    assert await cache.get("page", load) == 1
    cache.clear()
    load.gate = asyncio.Event()
    slow = asyncio.create_task(cache.get("page", load))  # reads the old state...
    await asyncio.sleep(0.01)
    cache.clear()  # ...while this process writes a new one
    load.gate.set()
    assert await slow == 2
    load.gate = None
    assert await cache.get("page", load) == 3  # the stale answer was not kept


async def test_failures_are_not_kept_and_reach_every_sharer() -> None:
    cache: ReadCache[str, int] = ReadCache(ttl=60.0)
    gate = asyncio.Event()

    async def broken() -> int:
        await gate.wait()
        raise ConnectionError("database away")

    askers = [asyncio.create_task(cache.get("page", broken)) for _ in range(3)]
    await asyncio.sleep(0.01)
    gate.set()
    results = await asyncio.gather(*askers, return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results)
    assert await cache.get("page", Loads()) == 1


async def test_sharers_load_themselves_when_the_loading_request_goes_away() -> None:
    cache: ReadCache[str, int] = ReadCache(ttl=60.0)
    first = Loads()
    first.gate = asyncio.Event()
    leaving = asyncio.create_task(cache.get("page", first))
    await asyncio.sleep(0.01)
    staying = asyncio.create_task(cache.get("page", Loads()))
    await asyncio.sleep(0.01)
    leaving.cancel()  # its client disconnected
    assert await staying == 1
    with pytest.raises(asyncio.CancelledError):
        await leaving


async def test_the_least_recently_used_answers_go_beyond_the_limit() -> None:
    cache: ReadCache[int, int] = ReadCache(ttl=60.0, max_entries=2)
    load = Loads()
    await cache.get(1, load)
    await cache.get(2, load)
    await cache.get(1, load)  # 1 is now the most recent
    await cache.get(3, load)  # 2 goes
    assert load.calls == 3
    await cache.get(1, load)
    assert load.calls == 3
    await cache.get(2, load)
    assert load.calls == 4


async def test_a_stale_answer_is_given_at_once_while_a_background_load_replaces_it() -> None:
    clock, load = FakeClock(), Loads()
    cache: ReadCache[str, int] = ReadCache(ttl=2.0, stale_for=10.0, clock=clock)
    assert await cache.get("page", load) == 1
    clock.now += 3.0  # past its time, within the grace
    load.gate = asyncio.Event()  # the database is slow to answer the refresh
    askers = await asyncio.gather(*(cache.get("page", load) for _ in range(5)))
    assert askers == [1] * 5  # nobody waited for it
    assert load.calls == 2  # one refresh for all five
    load.gate.set()
    await asyncio.sleep(0.01)
    assert await cache.get("page", load) == 2  # the refreshed answer, fresh again
    assert load.calls == 2
    assert cache.stale_hits == 5


async def test_past_the_grace_an_answer_is_loaded_while_the_asker_waits() -> None:
    clock, load = FakeClock(), Loads()
    cache: ReadCache[str, int] = ReadCache(ttl=2.0, stale_for=10.0, clock=clock)
    assert await cache.get("page", load) == 1
    clock.now += 12.5
    assert await cache.get("page", load) == 2
    assert cache.stale_hits == 0


async def test_a_failed_refresh_keeps_the_stale_answer_until_its_grace_ends(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    cache: ReadCache[str, int] = ReadCache(ttl=2.0, stale_for=10.0, clock=clock)
    assert await cache.get("page", Loads()) == 1

    async def broken() -> int:
        raise ConnectionError("database away")

    clock.now += 3.0
    assert await cache.get("page", broken) == 1
    await asyncio.sleep(0.01)
    assert "refreshing a cached answer failed" in caplog.text
    assert await cache.get("page", broken) == 1  # tried again, still the old answer
    clock.now += 10.0
    with pytest.raises(ConnectionError):
        await cache.get("page", broken)  # no answer young enough: the asker sees the error


async def test_own_writes_are_never_answered_from_a_stale_page() -> None:
    clock, load = FakeClock(), Loads()
    cache: ReadCache[str, int] = ReadCache(ttl=2.0, stale_for=10.0, clock=clock)
    assert await cache.get("page", load) == 1
    clock.now += 3.0
    cache.clear()  # this process wrote
    assert await cache.get("page", load) == 2  # read again, not the stale 1


async def test_close_stops_the_background_loads() -> None:
    clock, load = FakeClock(), Loads()
    cache: ReadCache[str, int] = ReadCache(ttl=2.0, stale_for=10.0, clock=clock)
    assert await cache.get("page", load) == 1
    clock.now += 3.0
    load.gate = asyncio.Event()  # never set: the refresh would wait for ever
    assert await cache.get("page", load) == 1
    await asyncio.wait_for(cache.close(), 1.0)
    assert not cache._refreshes


class Base(DeclarativeBase):
    pass


class Row(Base):
    __tablename__ = "rows"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(20))


class ServiceSession(Session):
    """The session class of one service, as each service declares its own."""


async def test_a_commit_that_wrote_empties_the_caches_and_reads_do_not(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'cache.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    sessions = async_sessionmaker(engine, sync_session_class=ServiceSession)
    cache: ReadCache[str, int] = ReadCache(ttl=60.0)
    stop = clear_after_writes(ServiceSession, cache)
    load = Loads()
    try:
        await cache.get("page", load)
        async with sessions() as session, session.begin():
            await session.execute(select(Row))  # a read in a transaction
        await cache.get("page", load)
        assert load.calls == 1
        async with sessions() as session:
            async with session.begin():
                session.add(Row(id=1, name="a"))
                await session.flush()
                await session.rollback()  # nothing was written in the end
        await cache.get("page", load)
        assert load.calls == 1
        async with sessions() as session, session.begin():
            session.add(Row(id=2, name="b"))
        await cache.get("page", load)
        assert load.calls == 2
    finally:
        stop()
        await engine.dispose()
    async with async_sessionmaker(engine, sync_session_class=ServiceSession)() as session:
        async with session.begin():
            session.add(Row(id=3, name="c"))
    await cache.get("page", load)
    assert load.calls == 2  # stopped: writes no longer clear it
    await engine.dispose()
