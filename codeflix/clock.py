"""Time as a port: services ask a ``Clock`` for the wall-clock time instead of the system.

Expiries, leases, renewals, throttling windows and signed grants all depend on what time it
is; with the clock injected, a test moves time forward by hand (a month of billing, a token's
lifetime) instead of sleeping through it, and every part of one service agrees on "now".
Durations measured inside a process (cache TTLs, elapsed time) use ``time.monotonic``, which
no test needs to move and which the wall clock must not disturb.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    """The machine's wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


def epoch_seconds(clock: Clock) -> float:
    """The clock's time as Unix seconds, for what is stored or signed as a number."""
    return clock.now().timestamp()
