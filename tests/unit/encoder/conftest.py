"""What the encoder worker's unit tests share: a store holding a master."""

from __future__ import annotations

from pathlib import Path

import pytest

from codeflix.storage import ObjectStore

MASTER_KEY = "uploads/v1/master.mp4"


@pytest.fixture
def store(tmp_path: Path) -> ObjectStore:
    store = ObjectStore(f"file://{tmp_path / 'media'}")
    store.write_bytes(MASTER_KEY, b"not really a video, the runner is a fake")
    return store
