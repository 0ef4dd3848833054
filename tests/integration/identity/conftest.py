"""The identity service on each of its databases: SQLite (embedded) and PostgreSQL (deployed)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.clock import FakeClock
from tests.support.identity import IdentityHarness, identity_settings, start_identity


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'identity.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def identity_db(database_url: str, tmp_path: Path) -> AsyncIterator[IdentityHarness]:
    settings = identity_settings(tmp_path, database_url=database_url)
    async for harness in start_identity(settings, FakeClock()):
        yield harness
