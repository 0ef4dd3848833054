"""The clock tests set and move by hand: time is injected, never slept on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta


@dataclass
class FakeClock:
    """A ``codeflix.clock.Clock`` that stands still until a test moves it (it starts at the
    real time unless given another start)."""

    current: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        assert self.current.tzinfo is not None, "a clock tells timezone-aware UTC time"

    def now(self) -> datetime:
        return self.current

    def advance(self, seconds: float = 0, **delta: float) -> None:
        """Move forward: ``advance(30)``, ``advance(days=32)``, ``advance(hours=1, minutes=5)``."""
        self.current += timedelta(seconds=seconds, **delta)

    def timestamp(self) -> float:
        """Unix seconds, for the verifiers that count time in seconds."""
        return self.current.timestamp()
