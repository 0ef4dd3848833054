from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.catalog import CatalogHarness, catalog_settings, running_catalog


@pytest.fixture
async def catalog(tmp_path: Path) -> AsyncIterator[CatalogHarness]:
    """The catalog on SQLite and the local disk, with fake tokens (no network)."""
    async with running_catalog(catalog_settings(tmp_path)) as harness:
        yield harness
