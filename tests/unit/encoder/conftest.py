"""What the encoder worker's unit tests share: a store holding a master, an in-memory bus."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from codeflix.bus import InMemoryBus
from codeflix.storage import ObjectStore

MASTER_KEY = "uploads/v1/master.mp4"


@pytest.fixture
def store(tmp_path: Path) -> ObjectStore:
    store = ObjectStore(f"file://{tmp_path / 'media'}")
    store.write_bytes(MASTER_KEY, b"not really a video, the runner is a fake")
    return store


@pytest.fixture
async def bus() -> AsyncIterator[InMemoryBus]:
    bus = InMemoryBus()
    await bus.start()
    yield bus
    await bus.close()
