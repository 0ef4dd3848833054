"""Turn the pipeline's progress callbacks (from a worker thread) into throttled events."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable

from codeflix.bus import Bus
from codeflix.events import VideoEncodingProgressed, VideoUploaded, new_event
from pipeline.job import EncodeProgress

log = logging.getLogger("codeflix.encoder")


class ProgressReporter:
    """Publishes ``video.encoding.progressed`` at most once per ``interval`` seconds.

    ``on_progress`` may be called from any thread; events go out in order from the event loop,
    and leaving the ``async with`` block waits until the last accepted one is published, so
    progress never arrives after the outcome.
    """

    def __init__(
        self,
        bus: Bus,
        upload: VideoUploaded,
        interval: float,
        *,
        cause_id: uuid.UUID,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.bus, self.upload, self.interval = bus, upload, interval
        self.cause_id = cause_id
        self.clock = clock or time.monotonic
        self._last: float | None = None
        self._queue: asyncio.Queue[EncodeProgress | None] = asyncio.Queue()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> ProgressReporter:
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.create_task(self._publish_all())
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._queue.put_nowait(None)
        if self._task is not None:
            await self._task

    def on_progress(self, progress: EncodeProgress) -> None:
        """Called by the encode (any thread): keep it if the last one is old enough."""
        now = self.clock()
        if self._last is not None and now - self._last < self.interval:
            return
        self._last = now
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, progress)

    async def _publish_all(self) -> None:
        while (progress := await self._queue.get()) is not None:
            total = max(progress.chunks_total, 0)
            done = min(max(progress.chunks_done, 0), total)
            data = VideoEncodingProgressed(
                video_id=self.upload.video_id,
                kind=self.upload.kind,
                chunks_done=done,
                chunks_total=total,
                percent=round(100.0 * done / total, 1) if total else 0.0,
                rung=progress.rung,
                eta_seconds=progress.eta_seconds,
            )
            event = new_event(
                "video.encoding.progressed",
                data,
                subject=self.upload.video_id,
                producer="encoder",
                # The same step of the same upload is the same event, however often it is run.
                event_id=uuid.uuid5(self.cause_id, f"progressed.{done}.{total}"),
            )
            # Progress is a courtesy: losing one must not fail the job.
            with contextlib.suppress(Exception):
                await self.bus.publish(event)
