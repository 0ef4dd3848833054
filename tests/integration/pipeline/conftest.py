"""Clips for the pipeline's integration tests (real Ray, real S3 API server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.media import make_clip


@pytest.fixture(scope="session")
def long_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """24 s at 320x180: six chunks of one segment, enough to lose a worker midway."""
    return make_clip(tmp_path_factory.mktemp("clips") / "long.mp4", seconds=24)


@pytest.fixture(scope="session")
def short_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("clips") / "short.mp4", seconds=6)
