"""The catalog against PostgreSQL and SQLite, with real tokens from the identity service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.catalog import CatalogHarness, catalog_settings, running_catalog
from tests.support.identity import IdentityHarness


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'catalog.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def catalog(
    tmp_path: Path, catalog_database_url: str, identity: IdentityHarness
) -> AsyncIterator[CatalogHarness]:
    settings = catalog_settings(tmp_path / "catalog", catalog_database_url)
    async with running_catalog(
        settings,
        verifier=identity.verifier,
        admin=identity.headers(roles=["catalog-admin"]),
        viewer=identity.headers(roles=["user"]),
    ) as harness:
        yield harness
