"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

import apis.subscription.app  # noqa: F401 - declares the outbox table on the models' metadata
from apis.subscription.database import migrate
from apis.subscription.models import Base
from codeflix.db import create_engine


async def test_migrations_match_the_models_and_run_twice(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await migrate(engine)
        await migrate(engine)  # every start runs them: nothing left to do the second time

        def differences(connection: Connection) -> list[Any]:
            context = MigrationContext.configure(
                connection, opts={"version_table": "alembic_version_subscription"}
            )
            return list(compare_metadata(context, Base.metadata))

        async with engine.connect() as connection:
            assert await connection.run_sync(differences) == []
    finally:
        await engine.dispose()
