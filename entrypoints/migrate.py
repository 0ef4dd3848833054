"""``codeflix migrate [SERVICE]``: bring each service's database to its newest schema.

Embedded, every service migrates its own SQLite file when it starts. Deployed, a migration Job
runs this command before the new version's pods start, with the same
``CODEFLIX_<SERVICE>_DATABASE_URL`` the service reads.
"""

from __future__ import annotations

import asyncio
import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    from codeflix.migrations import ServiceSchema

# The services that own a relational database, in the order a fresh deployment needs them.
SERVICES_WITH_DATABASES = ("identity", "catalog", "subscription", "playback")

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


def _schema_and_url(service: str, data_dir: Path) -> tuple[ServiceSchema, str]:
    """The service's migration scripts and the database its settings point at."""
    config = importlib.import_module(f"apis.{service}.config")
    database = importlib.import_module(f"apis.{service}.database")
    settings = config.get_settings(data_dir=data_dir)
    return database.SCHEMA, settings.db_url


async def _migrate(schema: ServiceSchema, url: str) -> None:
    from codeflix.db import create_engine
    from codeflix.migrations import upgrade

    engine = create_engine(url)
    try:
        await upgrade(engine, schema)
    finally:
        await engine.dispose()


def _where(url: str) -> str:
    """The database's address without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def migrate(
    service: Annotated[
        str | None,
        typer.Argument(
            help=f"One of {', '.join(SERVICES_WITH_DATABASES)}; all of them when left out.",
            show_default=False,
        ),
    ] = None,
    data_dir: Annotated[
        Path,
        typer.Option(help="Where the SQLite files live (embedded).", envvar="CODEFLIX_DATA_DIR"),
    ] = Path("var"),
) -> None:
    """Apply the Alembic migrations of one service's database, or of every service's.

    Each service reads CODEFLIX_<SERVICE>_DATABASE_URL (default: a SQLite file in --data-dir).

    Running it again when nothing changed does nothing.
    """
    from sqlalchemy.exc import SQLAlchemyError

    if service is not None and service not in SERVICES_WITH_DATABASES:
        err_console.print(
            f"[red]codeflix migrate:[/red] {service!r} has no database to migrate; "
            f"choose one of {', '.join(SERVICES_WITH_DATABASES)} or leave it out for all.",
            highlight=False,
        )
        raise typer.Exit(2)
    for name in (service,) if service else SERVICES_WITH_DATABASES:
        schema, url = _schema_and_url(name, data_dir)
        try:
            asyncio.run(_migrate(schema, url))
        except (OSError, SQLAlchemyError) as e:
            reason = str(getattr(e, "orig", None) or e).splitlines()[0]
            err_console.print(
                f"[red]codeflix migrate:[/red] the {name} database at {_where(url)} "
                f"could not be migrated: {reason}",
                highlight=False,
            )
            raise typer.Exit(1) from None
        console.print(f"The {name} database is up to date ({_where(url)}).", highlight=False)
