"""Every service's Alembic migrations build exactly the schema its models describe.

On SQLite (embedded) and PostgreSQL (deployed); run twice, by replicas starting together, on
databases made before a service had migrations, and through ``codeflix migrate``.
"""

from __future__ import annotations

import asyncio
import importlib
from pathlib import Path

import pytest
from sqlalchemy import MetaData, text
from typer.testing import CliRunner

from codeflix.db import create_engine
from codeflix.migrations import ServiceSchema, differences, upgrade
from entrypoints.cli import app
from entrypoints.migrate import SERVICES_WITH_DATABASES
from tests.integration.conftest import free_port


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'service.db'}"
    return str(request.getfixturevalue("postgres_url"))


def schema_of(service: str) -> tuple[ServiceSchema, MetaData]:
    database = importlib.import_module(f"apis.{service}.database")
    models = importlib.import_module(f"apis.{service}.models")
    # The app declares every table it uses: the migrations must build each of them.
    importlib.import_module(f"apis.{service}.app")
    return database.SCHEMA, models.Base.metadata


async def tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return set(
                await connection.run_sync(lambda c: c.dialect.get_table_names(c))  # type: ignore[no-any-return]
            )
    finally:
        await engine.dispose()


@pytest.mark.parametrize("service", SERVICES_WITH_DATABASES)
async def test_migrations_match_the_models_and_run_twice(service: str, database_url: str) -> None:
    schema, metadata = schema_of(service)
    engine = create_engine(database_url)
    try:
        await upgrade(engine, schema)
        await upgrade(engine, schema)  # every start runs them: nothing left the second time
        assert await differences(engine, schema, metadata) == []
    finally:
        await engine.dispose()
    assert set(metadata.tables) | {schema.version_table} == await tables(database_url)


# A row each that must survive the adoption, in a table the service had from the start.
KEPT_ROWS = {
    "identity": ("roles", "INSERT INTO roles (name, description) VALUES ('critic', 'kept')"),
    "playback": (
        "video_ratings",
        "INSERT INTO video_ratings (video_id, rating, event_at) VALUES ('v1', '12', 1.0)",
    ),
}


@pytest.mark.parametrize("service", sorted(KEPT_ROWS))
async def test_databases_from_before_migrations_are_adopted(
    service: str, database_url: str
) -> None:
    """Identity and playback used to create their tables at start; those databases carry on."""
    schema, metadata = schema_of(service)
    table, insert = KEPT_ROWS[service]
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
            await connection.execute(text(insert))
        await upgrade(engine, schema)
        assert await differences(engine, schema, metadata) == []
        async with engine.connect() as connection:
            versions = text(f"SELECT version_num FROM {schema.version_table}")
            version = await connection.scalar(versions)
            kept = await connection.scalar(text(f"SELECT count(*) FROM {table}"))
        assert (version, kept) == ("0001", 1)
    finally:
        await engine.dispose()


@pytest.mark.parametrize("service", ["playback", "subscription"])
async def test_replicas_starting_together_migrate_once(service: str, database_url: str) -> None:
    schema, metadata = schema_of(service)
    engines = [create_engine(database_url) for _ in range(4)]
    try:
        await asyncio.gather(*(upgrade(engine, schema) for engine in engines))
        assert await differences(engines[0], schema, metadata) == []
        async with engines[0].connect() as connection:
            versions = await connection.scalar(text(f"SELECT count(*) FROM {schema.version_table}"))
        assert versions == 1
    finally:
        for engine in engines:
            await engine.dispose()


def test_codeflix_migrate_brings_every_database_up_to_date(tmp_path: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["migrate", "--data-dir", str(tmp_path)])
    assert first.exit_code == 0, first.output
    for service in SERVICES_WITH_DATABASES:
        assert f"The {service} database is up to date" in first.output
        assert (tmp_path / f"{service}.db").is_file()
    again = runner.invoke(app, ["migrate", "playback", "--data-dir", str(tmp_path)])
    assert again.exit_code == 0, again.output
    assert "playback database is up to date" in again.output
    assert "catalog" not in again.output


def test_codeflix_migrate_names_the_services_it_knows(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["migrate", "search", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "'search' has no database to migrate" in result.output
    assert "identity, catalog, subscription, playback" in result.output
    assert list(tmp_path.iterdir()) == []


def test_codeflix_migrate_explains_an_unreachable_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = free_port()
    monkeypatch.setenv(
        "CODEFLIX_CATALOG_DATABASE_URL",
        f"postgresql+asyncpg://codeflix:secret@127.0.0.1:{closed}/catalog",
    )
    result = CliRunner().invoke(app, ["migrate", "catalog"])
    assert result.exit_code == 1
    assert "the catalog database at postgresql+asyncpg://codeflix:***@127.0.0.1" in result.output
    assert "could not be migrated" in result.output
    assert "secret" not in result.output
