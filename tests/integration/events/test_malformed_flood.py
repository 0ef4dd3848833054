"""A flood of malformed messages lands in the dead-letter queue while valid events flow,
and operators inspect, replay and purge it with ``codeflix dlq``."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from typer.testing import CliRunner

from codeflix.bus.rabbitmq import RabbitMQBus
from entrypoints.cli import app
from tests.contracts.bus import Recorder, dead_letters_eventually, eventually, uploaded
from tests.integration.bus_support import Names, bus_topology


def malformed(n: int) -> tuple[bytes, str]:
    """The n-th bad message and the reason code it must be dead-lettered with."""
    good = uploaded(f"m{n}").model_dump(mode="json")
    kind = n % 5
    if kind == 0:
        return b"{'video_id': " + str(n).encode(), "bad_json"
    if kind == 1:
        return json.dumps({**good, "type": "video.vanished"}).encode(), "unknown_event"
    if kind == 2:
        return json.dumps({**good, "version": 7}).encode(), "unknown_event"
    if kind == 3:
        return json.dumps({**good, "data": {"video_id": f"m{n}"}}).encode(), "invalid_data"
    return json.dumps({k: v for k, v in good.items() if k != "subject"}).encode(), "bad_envelope"


@pytest.fixture
async def names(amqp_url: str) -> AsyncIterator[Names]:
    async with bus_topology(amqp_url) as names:
        yield names


@pytest.fixture
async def bus(amqp_url: str, names: Names) -> AsyncIterator[RabbitMQBus]:
    bus = names.bus(amqp_url)
    await bus.start()
    yield bus
    await bus.close()


async def test_hundred_malformed_messages_are_dead_lettered_while_valid_ones_flow(
    bus: RabbitMQBus, names: Names, amqp_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue, handler = names.queue("search"), Recorder()
    await bus.subscribe(queue, ["video.#"], handler, prefetch=20)
    expected = Counter()
    valid = []
    for n in range(100):
        body, reason = malformed(n)
        expected[reason] += 1
        await bus.publish_raw(body, "video.uploaded")
        if n % 5 == 0:
            valid.append(uploaded(f"ok{n}"))
            await bus.publish(valid[-1])
    await eventually(lambda: len(handler.seen) == len(valid), 60)
    assert [e.id for e in handler.seen] == [e.id for e in valid]
    dead = await dead_letters_eventually(bus, queue, 100)
    assert Counter(d.reason.split(":")[0] for d in dead if d.reason) == expected

    # Operators look at them, replay some and purge the rest, with the CLI.
    monkeypatch.setenv("CODEFLIX_AMQP_URL", amqp_url)
    cli = CliRunner()
    listed = await asyncio.to_thread(cli.invoke, app, ["dlq", "list", queue, "--limit", "100"])
    assert listed.exit_code == 0, listed.output
    for reason in expected:
        assert reason in listed.output
    assert str(dead[0].message_id) in listed.output
    first = dead[0]
    shown = await asyncio.to_thread(cli.invoke, app, ["dlq", "show", queue, str(first.message_id)])
    assert shown.exit_code == 0, shown.output
    assert "x-codeflix-reason" in shown.output
    replayed = await asyncio.to_thread(cli.invoke, app, ["dlq", "replay", queue, "--limit", "3"])
    assert replayed.exit_code == 0 and "replayed 3" in replayed.output
    # Still malformed: they come straight back.
    await dead_letters_eventually(bus, queue, 100)
    purged = await asyncio.to_thread(cli.invoke, app, ["dlq", "purge", queue, "--yes"])
    assert purged.exit_code == 0 and "purged 100" in purged.output
    assert await bus.dead_letters(queue) == []
    unknown = await asyncio.to_thread(cli.invoke, app, ["dlq", "list", f"{queue}-nobody"])
    assert unknown.exit_code == 1
    assert "no dead-letter queue" in unknown.output and "Traceback" not in unknown.output
