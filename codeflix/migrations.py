"""Alembic migrations run from code: each service keeps its own scripts and version table.

A service's ``migrations/env.py`` calls :func:`run_migrations` with its metadata; its
``database.py`` calls :func:`upgrade` at start-up (embedded) or from a migrate command
(deployed), on the connection it hands over.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import MetaData
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:  # alembic is part of the database extras, imported when migrating
    from alembic.config import Config


def alembic_config(script_location: Path, connection: Connection | None = None) -> Config:
    """The Alembic configuration of one service's scripts, bound to ``connection`` when given."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.attributes["connection"] = connection
    return config


async def upgrade(engine: AsyncEngine, script_location: Path, revision: str = "head") -> None:
    """Bring the database to ``revision`` (the newest by default); safe to run on every start."""
    from alembic import command

    def run(connection: Connection) -> None:
        command.upgrade(alembic_config(script_location, connection), revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)


def run_migrations(metadata: MetaData, *, version_table: str) -> None:
    """The body of a service's ``env.py``: migrate on the connection ``upgrade`` handed over."""
    from alembic import context

    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=version_table,
        # SQLite cannot ALTER most things in place; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
