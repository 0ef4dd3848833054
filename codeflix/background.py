"""Work that runs beside a service for as long as its lifespan (or a start-up hook) lasts."""

from __future__ import annotations

import asyncio
import contextlib
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any, Self


@asynccontextmanager
async def background(work: Coroutine[Any, Any, None], name: str) -> AsyncIterator[None]:
    """Run ``work`` as a task while the context lasts; cancel it at the end."""
    task = asyncio.create_task(work, name=name)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


class PollingWorker(ABC):
    """A task that works in rounds: a poll every so often, or at once when woken.

    The outbox and mail relays are built on it: a commit that queued rows wakes the worker
    instead of waiting for the next poll. Subclasses write ``_run``, calling
    :meth:`_sleep` between rounds.
    """

    task_name = "polling-worker"

    def __init__(self) -> None:
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Self:
        self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.task_name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def wake(self) -> None:
        """Start the next round now instead of at the next poll."""
        self._wake.set()

    @abstractmethod
    async def _run(self) -> None:
        """The worker's rounds, until cancelled."""

    async def _sleep(self, seconds: float) -> None:
        """Wait ``seconds``, or less when woken."""
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation
        # that arrives as the wake-up does, and stop() would then wait forever.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._wake.wait()
        self._wake.clear()
