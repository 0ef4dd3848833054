"""The Bus contract on the in-process bus, plus what only the in-process bus promises."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from codeflix.bus import BusError, InMemoryBus
from tests.contracts.bus import BusContract, Recorder, uploaded


@pytest.fixture
def queue_name() -> Callable[[], str]:
    counter = itertools.count()
    return lambda: f"test.q{next(counter)}"


class TestInMemoryBus(BusContract):
    pass


async def test_join_waits_for_retries_to_finish(bus: InMemoryBus) -> None:
    handler = Recorder(fail_times=2, error=RuntimeError("flaky"))
    await bus.subscribe("test.q", ["video.uploaded"], handler, retry_delays=[0.01])
    await bus.publish(uploaded())
    await bus.join()
    assert len(handler.seen) == 3


async def test_subscriptions_made_before_start_begin_consuming_at_start() -> None:
    bus, handler = InMemoryBus(), Recorder()
    await bus.subscribe("test.q", ["video.uploaded"], handler)
    await bus.publish(uploaded())
    await bus.start()
    await bus.join()
    await bus.close()
    assert len(handler.seen) == 1


async def test_a_queue_has_one_consumer_per_process(bus: InMemoryBus) -> None:
    await bus.subscribe("test.q", ["video.uploaded"], Recorder())
    with pytest.raises(BusError):
        await bus.subscribe("test.q", ["video.uploaded"], Recorder())


async def test_closed_bus_refuses_to_publish(bus: InMemoryBus) -> None:
    await bus.close()
    with pytest.raises(BusError):
        await bus.publish(uploaded())


@pytest.mark.parametrize("queue", ["", "has space", "x" * 201, "slash/name"])
async def test_invalid_queue_names_are_refused(bus: InMemoryBus, queue: str) -> None:
    with pytest.raises(ValueError):
        await bus.subscribe(queue, ["video.uploaded"], Recorder())


async def test_subscription_needs_routing_keys(bus: InMemoryBus) -> None:
    with pytest.raises(ValueError):
        await bus.subscribe("test.q", [], Recorder())
