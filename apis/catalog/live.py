"""Live media status and encoding progress for the admin console (Server-Sent Events).

Every catalog process keeps a :class:`MediaBroadcaster` fed from the bus, not from its own
writes: a status may change in any replica (the one that took the upload's last PATCH, the
one whose ``catalog.encoding`` consumer got the encoder's report), and the encoder's progress
reports reach only one consumer of the shared queue. So each process subscribes a queue of
its own (``catalog.live.<random>``, ``transient``: on RabbitMQ an exclusive, auto-deleted
queue bound to ``video.updated``, ``video.encoding.progressed`` and ``encoder.status``), and
every replica sees every event, whichever replica the admin's stream (or dashboard) reads.

A subscriber's queue is bounded: a client that does not keep up is dropped (its stream ends
and the console reconnects), so one slow reader never holds up the bus consumer.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from codeflix.bus import Bus
from codeflix.events import Envelope

log = logging.getLogger("codeflix.catalog")
LIVE_EVENTS = ("video.updated", "video.encoding.progressed", "encoder.status")
# The most (video, kind) statuses remembered to tell a status change from another edit.
REMEMBERED_STATUSES = 10_000


@dataclass(frozen=True)
class LiveEvent:
    """One event of the stream: its id, its SSE name (``media``/``progress``) and data."""

    id: int
    name: str
    data: dict[str, Any]

    def encode(self) -> str:
        return f"id: {self.id}\nevent: {self.name}\ndata: {json.dumps(self.data)}\n\n"


@dataclass(eq=False)
class Subscriber:
    """One open stream: the video it follows (``None``: all) and what waits to be sent.

    ``None`` in the queue ends the stream; the queue keeps a slot free for it.
    """

    video_id: str | None
    size: int
    queue: asyncio.Queue[LiveEvent | None] = field(init=False)

    def __post_init__(self) -> None:
        self.queue = asyncio.Queue(maxsize=self.size + 1)

    def offer(self, event: LiveEvent) -> bool:
        """Queue ``event``; False when the subscriber is too far behind to take it."""
        if self.queue.qsize() >= self.size:
            return False
        self.queue.put_nowait(event)
        return True

    def end(self) -> None:
        if not self.queue.full():
            self.queue.put_nowait(None)


class MediaBroadcaster:
    """Fans media status changes and encoding progress out to the open streams."""

    def __init__(self, *, queue_size: int = 256, keepalive_seconds: float = 15) -> None:
        self.queue_size = queue_size
        self.keepalive_seconds = keepalive_seconds
        self.subscribers: set[Subscriber] = set()
        self.dropped = 0
        self.closed = False
        self._ids = itertools.count(1)
        self._statuses: OrderedDict[tuple[str, str], tuple[str, str | None]] = OrderedDict()

    @asynccontextmanager
    async def subscribe(self, video_id: str | None = None) -> AsyncIterator[Subscriber]:
        subscriber = Subscriber(video_id, self.queue_size)
        if self.closed:
            subscriber.end()
        self.subscribers.add(subscriber)
        try:
            yield subscriber
        finally:
            self.subscribers.discard(subscriber)

    async def stream(
        self, video_id: str | None = None, *, until: float | None = None
    ) -> AsyncIterator[str]:
        """The text of one SSE stream: events as they come, a comment when none came for
        ``keepalive_seconds``. It ends when the subscriber is dropped, the service stops,
        ``until`` (unix seconds: when the caller's token expires) has come, or (through
        Starlette) the client goes away."""
        loop = asyncio.get_running_loop()
        deadline = None if until is None else loop.time() + (until - time.time())
        async with self.subscribe(video_id) as subscriber:
            yield ": connected\n\n"
            while True:
                wait = self.keepalive_seconds
                if deadline is not None:
                    if loop.time() >= deadline:
                        return  # the console reconnects with a fresh token
                    wait = min(wait, deadline - loop.time())
                try:
                    event = await asyncio.wait_for(subscriber.queue.get(), timeout=wait)
                except TimeoutError:
                    if deadline is None or loop.time() < deadline:
                        yield ": keep-alive\n\n"
                    continue
                if event is None:
                    return
                yield event.encode()

    def close(self) -> None:
        """End every stream (the service is stopping); new ones end at once."""
        self.closed = True
        for subscriber in self.subscribers:
            subscriber.end()

    def send(self, name: str, data: dict[str, Any]) -> None:
        event = LiveEvent(next(self._ids), name, data)
        for subscriber in list(self.subscribers):
            if subscriber.video_id not in (None, data["video_id"]):
                continue
            if not subscriber.offer(event):
                log.warning("a live stream fell %d events behind; dropped", self.queue_size)
                self.dropped += 1
                self.subscribers.discard(subscriber)
                subscriber.end()

    def media_changed(self, video: dict[str, Any]) -> None:
        """Send a ``media`` event for each of the video's media whose status changed."""
        video_id = str(video["id"])
        for kind, media in (video.get("media") or {}).items():
            status = media["status"]
            if status == "processing" and media.get("encoded_location"):
                status = "playable"  # as version 1 of the event tells it (MediaState)
            state = (status, media.get("error"))
            key = (video_id, kind)
            known = self._statuses.get(key)
            if known == state:
                continue
            self._statuses[key] = state
            self._statuses.move_to_end(key)
            while len(self._statuses) > REMEMBERED_STATUSES:
                self._statuses.popitem(last=False)
            if known is None and state == ("pending", None):
                continue  # where every medium starts: nothing changed
            data = {"video_id": video_id, "kind": kind, "status": state[0], "error": state[1]}
            self.send("media", data)

    def progressed(self, report: dict[str, Any]) -> None:
        keys = ("video_id", "kind", "percent", "eta_seconds")
        self.send("progress", {key: report.get(key) for key in keys})


async def subscribe_live(
    bus: Bus, broadcaster: MediaBroadcaster, on_encoder_status: Callable[[Envelope], None]
) -> None:
    """Feed ``broadcaster`` (and the encoder's status) from a queue of this process alone."""

    async def handle(envelope: Envelope) -> None:
        if envelope.type == "video.updated":
            broadcaster.media_changed(envelope.data)
        elif envelope.type == "video.encoding.progressed":
            broadcaster.progressed(envelope.data)
        elif envelope.type == "encoder.status":
            on_encoder_status(envelope)

    queue = f"catalog.live.{uuid.uuid4().hex[:12]}"
    await bus.subscribe(queue, LIVE_EVENTS, handle, prefetch=1, transient=True)
