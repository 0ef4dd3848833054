"""Noticing that the process is asked to stop before the server waits for open responses.

On SIGINT or SIGTERM uvicorn stops accepting connections and then waits for every response
in progress to finish before it runs the apps' lifespan shutdown. A response that never ends
on its own (a Server-Sent Events stream) would hold the process forever, so a service that
serves one ends its streams from here, as soon as the signal arrives.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def on_stop_signal(callback: Callable[[], None]) -> Iterator[None]:
    """While the block runs, call ``callback`` in the running loop on SIGINT or SIGTERM, then
    the handler that was there before (uvicorn's, which starts the shutdown).

    Signal handlers belong to the main thread; elsewhere (a server run in a thread) this
    does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    loop = asyncio.get_running_loop()
    previous: dict[int, Any] = {}

    def handle(signum: int, frame: FrameType | None) -> None:
        loop.call_soon_threadsafe(callback)
        before = previous.get(signum)
        if callable(before):
            before(signum, frame)
        elif before == signal.SIG_DFL:  # what the signal would have done: end the process
            signal.signal(signum, signal.SIG_DFL)
            signal.raise_signal(signum)

    for stop_signal in STOP_SIGNALS:
        previous[stop_signal] = signal.signal(stop_signal, handle)
    try:
        yield
    finally:
        for number, replaced in previous.items():
            # Put back what was there, unless someone replaced our handler since.
            if signal.getsignal(number) is handle:
                signal.signal(number, replaced)
