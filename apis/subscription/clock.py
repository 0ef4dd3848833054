"""Time as a port: billing asks the clock, so tests move time instead of waiting for it."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus whole calendar months, clamped to the month's last day (Jan 31 → Feb 28)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)
