"""The behaviour every Bus adapter must have; run against InMemoryBus and RabbitMQBus.

A test module subclasses :class:`BusContract` and provides two fixtures: ``bus`` (a started
bus on names no other test uses) and ``queue_name`` (a factory of unique queue names).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest

from codeflix.bus import Bus, BusError, PermanentFailure, delivery_attempt
from codeflix.events import Envelope, VideoUploaded, new_event
from codeflix.observability import get_correlation_id, reset_correlation_id, set_correlation_id

FAST_RETRY = (0.05,)


def uploaded(video_id: str = "v1") -> Envelope:
    return new_event(
        "video.uploaded",
        VideoUploaded(video_id=video_id, source_key=f"uploads/{video_id}/master.mp4"),
        subject=video_id,
        producer="catalog",
    )


async def eventually(check: Callable[[], Any], within: float = 15.0) -> None:
    """Wait until ``check()`` is truthy (async delivery has no other end to wait for)."""
    deadline = asyncio.get_running_loop().time() + within
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def dead_letters_eventually(bus: Bus, queue: str, count: int) -> list[Any]:
    deadline = asyncio.get_running_loop().time() + 15
    while True:
        found = await bus.dead_letters(queue, limit=count + 10)
        if len(found) >= count or asyncio.get_running_loop().time() > deadline:
            assert len(found) == count, f"expected {count} dead letters, found {len(found)}"
            return found
        await asyncio.sleep(0.05)


class Recorder:
    def __init__(self, fail_times: int = 0, error: Exception | None = None) -> None:
        self.seen: list[Envelope] = []
        self.correlation_ids: list[str | None] = []
        self.attempts: list[int] = []
        self.fail_times = fail_times
        self.error = error

    async def __call__(self, envelope: Envelope) -> None:
        self.seen.append(envelope)
        self.correlation_ids.append(get_correlation_id())
        self.attempts.append(delivery_attempt())
        if self.error is not None and len(self.seen) <= self.fail_times:
            raise self.error


class BusContract:
    async def test_published_event_reaches_its_subscriber_intact(
        self, bus: Bus, queue_name: Callable[[], str]
    ) -> None:
        queue, handler = queue_name(), Recorder()
        await bus.subscribe(queue, ["video.uploaded"], handler, retry_delays=FAST_RETRY)
        event = uploaded()
        await bus.publish(event)
        await eventually(lambda: handler.seen)
        assert handler.seen == [event]
        assert handler.seen[0].parse_data() == VideoUploaded(
            video_id="v1", source_key="uploads/v1/master.mp4"
        )

    async def test_routing_keys_select_events_and_every_queue_gets_its_copy(
        self, bus: Bus, queue_name: Callable[[], str]
    ) -> None:
        exact, wildcard, other = Recorder(), Recorder(), Recorder()
        await bus.subscribe(queue_name(), ["video.uploaded"], exact, retry_delays=FAST_RETRY)
        await bus.subscribe(queue_name(), ["video.#"], wildcard, retry_delays=FAST_RETRY)
        await bus.subscribe(queue_name(), ["video.encoding.*"], other, retry_delays=FAST_RETRY)
        await bus.publish(uploaded("a"))
        failed = new_event(
            "video.encoding.failed",
            {"video_id": "b", "reason": "not_media", "message": "not a video"},
            subject="b",
            producer="encoder",
        )
        await bus.publish(failed)
        await eventually(lambda: len(wildcard.seen) == 2 and exact.seen and other.seen)
        await asyncio.sleep(0.2)  # nothing else may arrive
        assert [e.subject for e in exact.seen] == ["a"]
        assert sorted(e.subject for e in wildcard.seen) == ["a", "b"]
        assert [e.subject for e in other.seen] == ["b"]

    async def test_failing_handler_is_retried_until_it_succeeds(
        self, bus: Bus, queue_name: Callable[[], str]
    ) -> None:
        handler = Recorder(fail_times=2, error=RuntimeError("database away"))
        queue = queue_name()
        await bus.subscribe(
            queue, ["video.uploaded"], handler, max_attempts=5, retry_delays=FAST_RETRY
        )
        event = uploaded()
        await bus.publish(event)
        await eventually(lambda: len(handler.seen) == 3)
        await asyncio.sleep(0.2)
        assert [e.id for e in handler.seen] == [event.id] * 3
        assert handler.attempts == [1, 2, 3]
        assert await bus.dead_letters(queue) == []

    async def test_handler_failing_every_attempt_ends_in_the_dead_letter_queue(
        self, bus: Bus, queue_name: Callable[[], str]
    ) -> None:
        handler = Recorder(fail_times=99, error=RuntimeError("still broken"))
        queue = queue_name()
        await bus.subscribe(
            queue, ["video.uploaded"], handler, max_attempts=3, retry_delays=FAST_RETRY
        )
        event = uploaded()
        await bus.publish(event)
        [dead] = await dead_letters_eventually(bus, queue, 1)
        assert len(handler.seen) == 3
        assert dead.attempts == 3
        assert dead.reason is not None and "still broken" in dead.reason
        assert Envelope.model_validate_json(dead.body) == event

    async def test_a_transient_queue_gets_every_event_once_and_drops_what_fails(
        self, bus: Bus, queue_name: Callable[[], str]
    ) -> None:
        live, failing = Recorder(), Recorder(fail_times=99, error=RuntimeError("slow client"))
        first, second = queue_name(), queue_name()
        await bus.subscribe(first, ["video.*"], live, transient=True)
        await bus.subscribe(second, ["video.uploaded"], failing, transient=True)
        events = [uploaded("a"), uploaded("b")]
        for event in events:
            await bus.publish(event)
        await eventually(lambda: len(live.seen) == 2 and len(failing.seen) == 2)
        await asyncio.sleep(0.3)
        assert [e.id for e in live.seen] == [e.id for e in events]
        assert failing.attempts == [1, 1]  # never retried
        assert len(failing.seen) == 2

    async def test_permanent_failure_is_dead_lettered_without_retry(
        self, bus: Bus, queue_name: Callable[[], str]
    ) -> None:
        handler = Recorder(fail_times=99, error=PermanentFailure("unknown_video", "no such video"))
        queue = queue_name()
        await bus.subscribe(queue, ["video.uploaded"], handler, retry_delays=FAST_RETRY)
        await bus.publish(uploaded())
        [dead] = await dead_letters_eventually(bus, queue, 1)
        assert len(handler.seen) == 1
        assert dead.reason == "unknown_video: no such video"

    @pytest.mark.parametrize(
        ("body", "reason"),
        [
            (b"{not json", "bad_json"),
            (b"\xff\xfe", "bad_json"),
            (b"[1, 2]", "bad_envelope"),
            (json.dumps({"type": "video.uploaded"}).encode(), "bad_envelope"),
            ("unknown_type", "unknown_event"),
            ("unknown_version", "unknown_event"),
            ("missing_field", "invalid_data"),
        ],
    )
    async def test_malformed_message_is_dead_lettered_with_its_reason_and_others_flow(
        self, bus: Bus, queue_name: Callable[[], str], body: Any, reason: str
    ) -> None:
        raw = uploaded("broken").model_dump(mode="json")
        if body == "unknown_type":
            raw["type"] = "video.teleported"
        elif body == "unknown_version":
            raw["version"] = 99
        elif body == "missing_field":
            del raw["data"]["source_key"]
        if isinstance(body, str):
            body = json.dumps(raw).encode()
        handler, queue = Recorder(), queue_name()
        await bus.subscribe(queue, ["video.uploaded"], handler, retry_delays=FAST_RETRY)
        await bus.publish_raw(body, "video.uploaded")  # type: ignore[attr-defined]
        await bus.publish(uploaded("fine"))
        [dead] = await dead_letters_eventually(bus, queue, 1)
        await eventually(lambda: handler.seen)
        assert [e.subject for e in handler.seen] == ["fine"]
        assert dead.body == body
        assert dead.reason is not None and dead.reason.startswith(reason)

    async def test_handler_runs_with_the_events_correlation_id(
        self, bus: Bus, queue_name: Callable[[], str]
    ) -> None:
        handler = Recorder()
        await bus.subscribe(queue_name(), ["video.uploaded"], handler, retry_delays=FAST_RETRY)
        token = set_correlation_id("req-42")
        try:
            event = uploaded()
        finally:
            reset_correlation_id(token)
        await bus.publish(event)
        await eventually(lambda: handler.seen)
        assert event.correlation_id == "req-42"
        assert handler.correlation_ids == ["req-42"]

    async def test_dead_letters_can_be_listed_replayed_and_purged(
        self, bus: Bus, queue_name: Callable[[], str]
    ) -> None:
        handler = Recorder(fail_times=1, error=PermanentFailure("not_yet"))
        queue = queue_name()
        await bus.subscribe(queue, ["video.uploaded"], handler, retry_delays=FAST_RETRY)
        for video_id in ("a", "b"):
            handler.fail_times = len(handler.seen) + 1
            await bus.publish(uploaded(video_id))
            await dead_letters_eventually(bus, queue, 1 if video_id == "a" else 2)
        listed = await bus.dead_letters(queue)
        assert len(listed) == 2  # listing leaves them in place
        assert await bus.replay_dead_letters(queue, limit=1) == 1
        await eventually(lambda: len(handler.seen) == 3)
        assert await bus.purge_dead_letters(queue) == 1
        assert await bus.dead_letters(queue) == []
        assert await bus.replay_dead_letters(queue) == 0

    async def test_dead_letter_operations_refuse_an_unknown_queue(self, bus: Bus) -> None:
        with pytest.raises(BusError):
            await bus.dead_letters("nobody.listens-here")

    async def test_check_passes_while_running_and_fails_once_closed(self, bus: Bus) -> None:
        await bus.check()
        await bus.close()
        with pytest.raises(BusError):
            await bus.check()
