"""Attempts (failed sign-ins, sign-ups) counted per key within a window, safe under parallelism.

An attempt is counted *before* the work it limits, by one ``INSERT … ON CONFLICT DO UPDATE …
RETURNING count`` per key: PostgreSQL locks the key's row and SQLite the database for the
statement, so parallel requests each get their own count and no more than the limit get
through. An attempt that turns out not to count (a successful sign-in, or one refused anyway)
is taken back afterwards.

The window of a key opens with its first attempt and closes ``window`` later, when counting
starts again from one. The account key is the normalized email whether or not such an account
exists, so the answer to a throttled attempt never tells whether an address is registered.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, case, delete, literal, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from apis.identity.keys import as_utc
from apis.identity.models import AttemptCounter

_counters = cast(Table, AttemptCounter.__table__)
_UPSERTS: dict[str, Any] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def account_key(email: str) -> str:
    return f"account:{email}"


def address_key(address: str) -> str:
    return f"address:{address}"


def registration_key(address: str) -> str:
    return f"register:{address}"


@dataclass(frozen=True)
class Attempt:
    """One counted attempt: its key, the window it fell in and its number in that window."""

    key: str
    window_started_at: datetime
    count: int
    limit: int

    @property
    def allowed(self) -> bool:
        return self.count <= self.limit


@dataclass(frozen=True)
class Admission:
    """The attempts one request counted; ``retry_after`` seconds when one was over its limit."""

    attempts: list[Attempt]
    retry_after: int

    @property
    def admitted(self) -> bool:
        return self.retry_after == 0

    def attempt(self, key: str) -> Attempt:
        return next(attempt for attempt in self.attempts if attempt.key == key)


async def count_attempt(
    *, session: AsyncSession, key: str, limit: int, now: datetime, window: timedelta
) -> Attempt:
    """Count one attempt against ``key``, atomically, and say how many the window holds now."""
    upsert = _UPSERTS[session.get_bind().dialect.name]
    in_window = _counters.c.window_started_at > now - window
    statement = (
        upsert(_counters)
        .values(key=key, window_started_at=now, count=1)
        .on_conflict_do_update(
            index_elements=[_counters.c.key],
            set_={
                "count": case((in_window, _counters.c.count + 1), else_=1),
                "window_started_at": case(
                    (in_window, _counters.c.window_started_at),
                    else_=literal(now, _counters.c.window_started_at.type),
                ),
            },
        )
        .returning(_counters.c.count, _counters.c.window_started_at)
    )
    count, window_started_at = (await session.execute(statement)).one()
    return Attempt(key=key, window_started_at=window_started_at, count=count, limit=limit)


async def admit(
    *, session: AsyncSession, limits: dict[str, int], now: datetime, window: timedelta
) -> Admission:
    """Count an attempt against every key of ``limits``; when one is over its limit, take them
    all back (a refused request counts against nothing) and say how long to wait."""
    attempts = [
        await count_attempt(session=session, key=key, limit=limit, now=now, window=window)
        for key, limit in limits.items()
    ]
    refused = [attempt for attempt in attempts if not attempt.allowed]
    if not refused:
        return Admission(attempts=attempts, retry_after=0)
    for attempt in attempts:
        await take_back(session=session, attempt=attempt)
    reopens = max(as_utc(attempt.window_started_at) + window for attempt in refused)
    wait = math.ceil((reopens - now).total_seconds())
    return Admission(attempts=attempts, retry_after=max(1, wait))


async def take_back(*, session: AsyncSession, attempt: Attempt) -> None:
    """Uncount an attempt that did not count after all (unless its window has closed since)."""
    await session.execute(
        update(_counters)
        .where(
            _counters.c.key == attempt.key,
            _counters.c.window_started_at == attempt.window_started_at,
            _counters.c.count > 0,
        )
        .values(count=_counters.c.count - 1)
    )


async def clear(*, session: AsyncSession, key: str) -> None:
    """Forget every attempt counted against ``key`` (an account after a successful sign-in)."""
    await session.execute(delete(_counters).where(_counters.c.key == key))


async def prune(*, session: AsyncSession, now: datetime, window: timedelta) -> None:
    """Delete the counters whose window has closed."""
    await session.execute(delete(_counters).where(_counters.c.window_started_at <= now - window))
