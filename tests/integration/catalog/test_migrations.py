"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from apis.catalog.database import migrate
from apis.catalog.models import Base
from codeflix.db import create_engine


async def test_migrations_match_the_models_and_run_twice(catalog_database_url: str) -> None:
    engine = create_engine(catalog_database_url)
    try:
        await migrate(engine)
        await migrate(engine)  # every start runs them: the second run changes nothing

        def differences(connection):  # type: ignore[no-untyped-def]
            context = MigrationContext.configure(
                connection, opts={"version_table": "alembic_version_catalog"}
            )
            return compare_metadata(context, Base.metadata)

        async with engine.connect() as connection:
            assert await connection.run_sync(differences) == []
    finally:
        await engine.dispose()
