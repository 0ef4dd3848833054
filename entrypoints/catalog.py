"""The catalog's commands: ``codeflix catalog import|migrate`` and ``codeflix upload``."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

catalog_app = typer.Typer(
    name="catalog",
    help="Manage the catalog: bulk import, database migrations.",
    no_args_is_help=True,
)
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)
DataDir = Annotated[
    Path, typer.Option(help="Where the SQLite files live (embedded).", envvar="CODEFLIX_DATA_DIR")
]


def fail(command: str, message: str) -> typer.Exit:
    err_console.print(f"[red]codeflix {command}:[/red] {message}", highlight=False)
    return typer.Exit(1)


@catalog_app.command("import")
def import_file(
    file: Annotated[
        Path, typer.Argument(help="JSON with categories, genres, cast_members, videos.")
    ],
    data_dir: DataDir = Path("var"),
) -> None:
    """Seed the catalog from a JSON file; what already exists is left as it is."""
    from pydantic import ValidationError

    from apis.catalog.importer import CatalogFile, UnknownRef
    from codeflix.problems import Problem

    try:
        document = CatalogFile.model_validate_json(file.read_bytes())
    except OSError as e:
        raise fail("catalog import", f"cannot read {file}: {e.strerror}") from None
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the file"
        raise fail("catalog import", f"{file}: {where}: {first['msg']}") from None
    try:
        counts = asyncio.run(_import(document, data_dir))
    except (UnknownRef, Problem) as e:
        detail = getattr(e, "detail", str(e))
        raise fail("catalog import", f"{file}: {detail} (nothing was imported)") from None
    summary = ", ".join(f"{n} {what}" for what, n in sorted(counts.items())) or "nothing to do"
    console.print(f"Imported {file}: {summary}.")


async def _import(document: object, data_dir: Path) -> dict[str, int]:
    from apis.catalog.config import get_settings
    from apis.catalog.database import SCHEMA
    from apis.catalog.importer import import_catalog
    from codeflix.db import create_engine, session_factory
    from codeflix.migrations import upgrade
    from codeflix.unit_of_work import unit_of_work

    engine = create_engine(get_settings(data_dir=data_dir).db_url)
    try:
        await upgrade(engine, SCHEMA)
        # One unit of work: a file that fails half-way imports nothing, so it can be fixed and
        # imported again from the top.
        async with unit_of_work(session_factory(engine)) as session:
            return dict(await import_catalog(session=session, document=document))  # type: ignore[arg-type]
    finally:
        await engine.dispose()


@catalog_app.command("migrate")
def migrate(data_dir: DataDir = Path("var")) -> None:
    """Bring the catalog's database to the newest schema; the same as `codeflix migrate catalog`."""
    from entrypoints.migrate import migrate as migrate_databases

    migrate_databases("catalog", data_dir)


def upload(
    video_id: Annotated[str, typer.Argument(help="The video the file belongs to.")],
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    kind: Annotated[
        Literal["video", "trailer", "banner", "thumbnail", "subtitle"],
        typer.Option(help="Which medium."),
    ] = "video",
    chunk_mb: Annotated[int, typer.Option(help="MB sent per request.", min=1, max=1024)] = 8,
    language: Annotated[
        str | None, typer.Option(help="subtitle: its BCP 47 language, e.g. pt-BR.")
    ] = None,
    label: Annotated[
        str | None, typer.Option(help="subtitle: the name players show, e.g. Português.")
    ] = None,
    default: Annotated[
        bool, typer.Option(help="subtitle: shown unless the viewer says no.")
    ] = False,
    forced: Annotated[bool, typer.Option(help="subtitle: forced narrative only.")] = False,
) -> None:
    """Upload a master, trailer, image or subtitle (WebVTT, SRT) with tus; run it again to
    resume after a failure."""
    import httpx

    from entrypoints.login import LoginError, bearer_token, credentials_path
    from entrypoints.tus_client import ResumeStore, UploadFailed, UploadJob
    from entrypoints.tus_client import upload as send

    metadata: dict[str, str] = {}
    if kind == "subtitle":
        if not language or not label:
            raise fail("upload", "a subtitle needs --language (e.g. pt-BR) and --label")
        metadata = {"language": language, "label": label}
        metadata |= {"default": str(default).lower(), "forced": str(forced).lower()}
    http = httpx.Client(timeout=15)
    try:
        base_url, _ = bearer_token(http=http)
    except LoginError as e:
        raise fail("upload", str(e)) from None

    def token() -> str:
        return bearer_token(http=http)[1]

    job = UploadJob(
        base_url, video_id, path, kind, chunk_size=chunk_mb * 1024 * 1024, metadata=metadata
    )
    resume = ResumeStore(credentials_path().parent / "uploads.json")
    columns = (BarColumn(), DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn())
    with Progress(f"{path.name} ({kind})", *columns, console=console) as progress:
        task = progress.add_task("upload", total=path.stat().st_size)
        try:
            send(
                job,
                token=token,
                resume=resume,
                on_progress=lambda done, _: progress.update(task, completed=done),
            )
        except (UploadFailed, LoginError) as e:
            raise fail("upload", str(e)) from None
        except OSError as e:
            raise fail("upload", f"cannot reach Codeflix at {base_url}: {e}") from None
        finally:
            http.close()
    follow = {"video": "it is being encoded", "trailer": "it is being encoded"}.get(kind, "")
    follow = follow or ("it joins the stream" if kind == "subtitle" else "it is ready")
    console.print(f"Uploaded {path.name} as the {kind} of video {video_id}; {follow}.")
