"""The subscription service's schema, shaped by its Alembic migrations."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from codeflix import migrations

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


async def migrate(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the subscription database to ``revision`` (the newest); safe on every start."""
    await migrations.upgrade(engine, MIGRATIONS, revision)
