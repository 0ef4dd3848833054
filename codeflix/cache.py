"""A short-lived, per-process cache of hot reads (browse pages; the media edge's segments).

Every viewer's browse page asks the database the same few questions many times a second; the
answers change rarely. :class:`ReadCache` keeps an answer for ``ttl`` seconds, lets
concurrent misses of one key share a single load, and is emptied at once when this process
commits a change (:func:`clear_after_writes`), so a process always reads its own writes. Other
processes (replicas, workers) see a change within ``ttl``: the price of not asking the database
every time, well below what a CDN or a player's own caching already adds.

With ``stale_for`` an answer past its ``ttl`` is still given for that long while a background
load replaces it (stale-while-revalidate), so no request waits for the database because a
page's time ran out. A load that may run in the background must not use anything of the
request that asked (its session ends with the request): it opens its own.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session

Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")

log = logging.getLogger(__name__)


class _Abandoned(Exception):
    """The request loading an answer went away before it had it."""


class ReadCache(Generic[Key, Value]):
    """Answers kept ``ttl`` seconds, then given ``stale_for`` more while a background load
    replaces them; at most ``max_entries`` of them (least recent out)."""

    def __init__(
        self,
        *,
        ttl: float,
        stale_for: float = 0.0,
        max_entries: int = 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl, self.stale_for, self.max_entries, self.clock = ttl, stale_for, max_entries, clock
        # key -> (fresh until, value)
        self._entries: OrderedDict[Key, tuple[float, Value]] = OrderedDict()
        self._loading: dict[Key, asyncio.Future[Value]] = {}
        self._refreshes: set[asyncio.Task[Value]] = set()
        self._generation = 0  # bumped by clear(): a load begun before it is not kept
        self.hits = self.misses = self.stale_hits = 0

    async def get(self, key: Key, load: Callable[[], Awaitable[Value]]) -> Value:
        """The cached answer for ``key``, or what ``load()`` returns (then kept)."""
        entry = self._entries.get(key)
        now = self.clock()
        if entry is not None and entry[0] > now:
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[1]
        if entry is not None and entry[0] + self.stale_for > now:
            # Past its time but within the grace: answer now, replace it in the background.
            self.stale_hits += 1
            if key not in self._loading:
                refresh = asyncio.create_task(self._load(key, load, self._claim(key)))
                self._refreshes.add(refresh)
                refresh.add_done_callback(self._refreshed)
            return entry[1]
        if key in self._loading:  # another request is already asking: share its answer
            self.hits += 1
            try:
                return await asyncio.shield(self._loading[key])
            except _Abandoned:
                pass  # its client left before the answer came: ask ourselves
        self.misses += 1
        return await self._load(key, load, self._claim(key))

    def _claim(self, key: Key) -> asyncio.Future[Value]:
        """Mark ``key`` as being loaded (at once, so the next asker shares this load)."""
        future: asyncio.Future[Value] = asyncio.get_running_loop().create_future()
        self._loading[key] = future
        return future

    async def _load(
        self, key: Key, load: Callable[[], Awaitable[Value]], future: asyncio.Future[Value]
    ) -> Value:
        generation = self._generation
        try:
            value = await load()
        except BaseException as e:
            failure = e if isinstance(e, Exception) else _Abandoned()
            future.set_exception(failure)
            future.exception()  # marked as retrieved: only the sharers re-raise it
            raise
        finally:
            self._loading.pop(key, None)
        future.set_result(value)
        if generation == self._generation:
            self._entries[key] = (self.clock() + self.ttl, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def _refreshed(self, refresh: asyncio.Task[Value]) -> None:
        self._refreshes.discard(refresh)
        if not refresh.cancelled() and refresh.exception() is not None:
            # The stale answer stays until its grace ends; then a request loads it and sees
            # the error itself.
            log.warning("refreshing a cached answer failed", exc_info=refresh.exception())

    def clear(self) -> None:
        """Forget every answer (this process changed what they were read from)."""
        self._generation += 1
        self._entries.clear()

    async def close(self) -> None:
        """Stop the background loads (before what they read from is closed)."""
        for refresh in list(self._refreshes):
            refresh.cancel()
        await asyncio.gather(*self._refreshes, return_exceptions=True)


def clear_after_writes(
    session_class: type[Session], *caches: ReadCache[Any, Any]
) -> Callable[[], None]:
    """Empty ``caches`` whenever a session of ``session_class`` commits something it wrote.

    Returns a function that stops it (for a lifespan's shutdown). Commits that only read (a
    transaction around queries) leave the caches alone.
    """

    def note_write(session: Session, _context: Any) -> None:
        session.info["codeflix_wrote"] = True

    def clear(session: Session) -> None:
        if session.info.pop("codeflix_wrote", False):
            for cache in caches:
                cache.clear()

    def forget(session: Session) -> None:
        session.info.pop("codeflix_wrote", None)

    event.listen(session_class, "after_flush", note_write)
    event.listen(session_class, "after_commit", clear)
    event.listen(session_class, "after_rollback", forget)

    def stop() -> None:
        event.remove(session_class, "after_flush", note_write)
        event.remove(session_class, "after_commit", clear)
        event.remove(session_class, "after_rollback", forget)

    return stop
