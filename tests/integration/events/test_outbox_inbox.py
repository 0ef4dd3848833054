"""Outbox and inbox on SQLite and PostgreSQL: events leave with their state, and only once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from codeflix.bus import InMemoryBus
from codeflix.db import session_factory
from codeflix.events import Envelope, new_event
from codeflix.inbox import first_delivery
from codeflix.outbox import OutboxRelay, add_to_outbox
from tests.contracts.bus import Recorder, eventually
from tests.integration.events.conftest import outbox, videos


def uploaded(video_id: str) -> Envelope:
    return new_event(
        "video.uploaded",
        {"video_id": video_id, "source_key": f"uploads/{video_id}.mp4"},
        subject=video_id,
        producer="catalog",
    )


async def create_video(engine: AsyncEngine, video_id: str, *, fail: bool = False) -> Envelope:
    event = uploaded(video_id)
    async with session_factory(engine)() as session, session.begin():
        await session.execute(sa.insert(videos).values(id=video_id, title=video_id))
        await add_to_outbox(session, event)
        if fail:
            raise RuntimeError("the request failed after the event was written")
    return event


class FlakyBus(InMemoryBus):
    """Refuses the first ``failures`` publishes, as a broker that is away would."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    async def publish(self, envelope: Envelope) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("broker away")
        await super().publish(envelope)


@pytest.fixture
async def bus() -> InMemoryBus:
    bus = InMemoryBus()
    await bus.start()
    return bus


async def test_committed_event_is_relayed_and_marked_published(
    engine: AsyncEngine, bus: InMemoryBus
) -> None:
    received = Recorder()
    await bus.subscribe("test.q", ["video.#"], received)
    event = await create_video(engine, "v1")
    async with OutboxRelay(engine, bus, poll_interval=0.05):
        await eventually(lambda: received.seen)
    assert received.seen == [event]
    async with engine.connect() as connection:
        published = (await connection.execute(sa.select(outbox.c.published_at))).scalars().all()
    assert len(published) == 1 and published[0] is not None


async def test_rolled_back_state_change_sends_no_event(
    engine: AsyncEngine, bus: InMemoryBus
) -> None:
    received = Recorder()
    await bus.subscribe("test.q", ["video.#"], received)
    with pytest.raises(RuntimeError):
        await create_video(engine, "v1", fail=True)
    relay = OutboxRelay(engine, bus)
    assert await relay.relay_once() == 0
    await bus.join()
    assert received.seen == []
    async with engine.connect() as connection:
        assert (
            await connection.execute(sa.select(sa.func.count()).select_from(videos))
        ).scalar() == 0


async def test_events_go_out_in_the_order_they_were_written_despite_a_flaky_broker(
    engine: AsyncEngine,
) -> None:
    bus = FlakyBus(failures=3)
    await bus.start()
    received = Recorder()
    await bus.subscribe("test.q", ["video.#"], received)
    written = [await create_video(engine, f"v{n}") for n in range(30)]
    async with OutboxRelay(engine, bus, poll_interval=0.01, max_backoff=0.05, batch_size=7):
        await eventually(lambda: len(received.seen) == 30)
    assert [e.id for e in received.seen] == [e.id for e in written]


async def test_relay_keeps_rows_while_the_bus_is_away(engine: AsyncEngine) -> None:
    bus = FlakyBus(failures=1)
    await bus.start()
    await create_video(engine, "v1")
    relay = OutboxRelay(engine, bus)
    with pytest.raises(ConnectionError):
        await relay.relay_once()
    assert await relay.relay_once() == 1
    assert await relay.relay_once() == 0


async def test_prune_drops_only_old_published_rows(engine: AsyncEngine, bus: InMemoryBus) -> None:
    await create_video(engine, "v1")
    relay = OutboxRelay(engine, bus, keep_published=timedelta(seconds=0))
    await relay.relay_once()
    await create_video(engine, "v2")  # not yet published: must stay
    assert await relay.prune() == 1
    async with engine.connect() as connection:
        left = (await connection.execute(sa.select(outbox.c.body))).scalars().all()
    assert len(left) == 1 and '"v2"' in left[0]


async def test_inbox_tells_a_redelivery_from_a_first_delivery(engine: AsyncEngine) -> None:
    event_id = uuid.uuid4()
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        assert await first_delivery(session, consumer="search.videos", event_id=event_id)
    async with sessions() as session, session.begin():
        assert not await first_delivery(session, consumer="search.videos", event_id=event_id)
        # Another consumer handles the same event on its own account.
        assert await first_delivery(session, consumer="playback.videos", event_id=str(event_id))


async def test_inbox_forgets_an_event_whose_handling_rolled_back(engine: AsyncEngine) -> None:
    event_id = uuid.uuid4()
    sessions = session_factory(engine)
    with pytest.raises(RuntimeError):
        async with sessions() as session, session.begin():
            assert await first_delivery(session, consumer="c", event_id=event_id)
            raise RuntimeError("handler failed")
    async with sessions() as session, session.begin():
        assert await first_delivery(session, consumer="c", event_id=event_id)


async def test_concurrent_redeliveries_have_exactly_one_effect(engine: AsyncEngine) -> None:
    event_id, sessions = uuid.uuid4(), session_factory(engine)

    async def deliver() -> bool:
        async with sessions() as session, session.begin():
            return await first_delivery(session, consumer="c", event_id=event_id)

    results = await asyncio.gather(*(deliver() for _ in range(5)))
    assert sorted(results) == [False, False, False, False, True]


async def test_relays_of_several_replicas_never_send_a_row_twice(postgres_url: str) -> None:
    from codeflix.db import create_engine
    from tests.integration.events.conftest import metadata

    engine = create_engine(postgres_url)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    bus, received = InMemoryBus(), Recorder()
    await bus.start()
    await bus.subscribe("test.q", ["video.#"], received)
    written = [await create_video(engine, f"v{n}") for n in range(60)]
    relays = [OutboxRelay(engine, bus, poll_interval=0.01, batch_size=5) for _ in range(3)]
    try:
        for relay in relays:
            relay.start()
        await eventually(lambda: len(received.seen) >= 60)
        await asyncio.sleep(0.2)  # a duplicate would arrive now
    finally:
        for relay in relays:
            await relay.stop()
        await engine.dispose()
    assert sorted(str(e.id) for e in received.seen) == sorted(str(e.id) for e in written)
