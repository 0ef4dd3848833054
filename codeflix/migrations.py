"""Alembic migrations run from code: each service keeps its own scripts and version table.

A service declares its :class:`ServiceSchema` in ``database.py``; its ``migrations/env.py``
calls :func:`run_migrations` with its models' metadata. :func:`upgrade` runs at start-up
(embedded) or from ``codeflix migrate`` (deployed), on a connection it hands over.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import MetaData
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

if TYPE_CHECKING:  # alembic is part of the database extras, imported when migrating
    from alembic.config import Config


@dataclass(frozen=True)
class ServiceSchema:
    """Where one service's migration scripts live and which table records how far they got."""

    service: str
    script_location: Path

    @property
    def version_table(self) -> str:
        # Services may share one database in small set-ups: each keeps its own version table.
        return f"alembic_version_{self.service}"

    @property
    def lock_key(self) -> int:
        """A PostgreSQL advisory lock key of this service's migrations (stable across runs)."""
        return int.from_bytes(self.version_table.encode()[-8:].rjust(8, b"\0"), "big") >> 1


def alembic_config(schema: ServiceSchema, connection: Connection | None = None) -> Config:
    """The Alembic configuration of one service's scripts, bound to ``connection`` when given."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(schema.script_location))
    config.attributes["connection"] = connection
    config.attributes["version_table"] = schema.version_table
    return config


async def upgrade(engine: AsyncEngine, schema: ServiceSchema, revision: str = "head") -> None:
    """Bring the database to ``revision`` (the newest by default); safe to run on every start.

    Replicas starting together take turns: the first migrates, the others wait for it and then
    find nothing left to do.
    """
    from alembic import command

    def run(connection: Connection) -> None:
        command.upgrade(alembic_config(schema, connection), revision)

    async with _sqlite_file_turn(engine), engine.connect() as connection:
        await _take_turn(connection, schema)
        await connection.run_sync(run)
        await connection.commit()


@contextlib.asynccontextmanager
async def _sqlite_file_turn(engine: AsyncEngine) -> AsyncIterator[None]:
    """On SQLite, one process at a time even opens the file to migrate it.

    Opening a connection switches the file to WAL, which SQLite refuses ("database is locked",
    after the whole busy timeout) while another connection holds the migration's write
    transaction; a lock file beside the database makes the others wait before they connect.
    """
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    lock_path = Path(database).with_name(Path(database).name + "-migrate.lock")
    lock = await asyncio.to_thread(lock_path.open, "a")
    try:
        # Polled rather than blocking in a thread, so a cancelled start-up leaves no waiter.
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                await asyncio.sleep(0.05)
        yield
    finally:
        lock.close()  # closing the file releases the lock


async def _take_turn(connection: AsyncConnection, schema: ServiceSchema) -> None:
    """Hold the database's migration lock until the transaction ends."""
    if connection.dialect.name == "postgresql":
        await connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({schema.lock_key})")
    elif connection.dialect.name == "sqlite":
        # The driver would start a transaction only at the first data change, leaving each
        # CREATE on its own; an immediate transaction makes the whole upgrade one writer's.
        await connection.exec_driver_sql("BEGIN IMMEDIATE")


async def differences(engine: AsyncEngine, schema: ServiceSchema, metadata: MetaData) -> list[Any]:
    """What the database lacks or has beyond the models (empty when they agree)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    def compare(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection, opts={"version_table": schema.version_table}
        )
        return list(compare_metadata(context, metadata))

    async with engine.connect() as connection:
        return await connection.run_sync(compare)


def run_migrations(metadata: MetaData) -> None:
    """The body of a service's ``env.py``: migrate on the connection ``upgrade`` handed over."""
    from alembic import context

    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=context.config.attributes["version_table"],
        # SQLite cannot ALTER most things in place; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
