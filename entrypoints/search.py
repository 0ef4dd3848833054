"""``codeflix search reindex``: rebuild the search collection from the catalog, no downtime.

The Typesense client loads only when the command runs: the ``codeflix`` command of an image
without the search extra (``codeflix migrate catalog`` in the catalog's) must still start.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import typer
from rich.console import Console

from apis.search.config import SearchSettings, get_settings

if TYPE_CHECKING:
    from apis.search.reindex import ReindexReport

search_app = typer.Typer(name="search", help="Operate search.", no_args_is_help=True)
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


class NoTypesense(Exception):
    """Neither CODEFLIX_TYPESENSE_URL nor a running embedded server."""


def typesense_url(settings: SearchSettings) -> str:
    """``CODEFLIX_TYPESENSE_URL``, else the server a running ``codeflix up`` started on the
    same data directory (its ports are in ``<data_dir>/typesense/ports.json``)."""
    if settings.typesense_url:
        return settings.typesense_url
    root = Path(settings.data_dir) / "typesense"
    try:
        ports = json.loads((root / "ports.json").read_text())
        pid = int((root / "server.pid").read_text())
        Path(f"/proc/{pid}").stat()
    except (OSError, ValueError) as e:
        raise NoTypesense(
            f"no Typesense runs for {root}: start `codeflix up` or set CODEFLIX_TYPESENSE_URL"
        ) from e
    return f"http://127.0.0.1:{int(ports['api'])}"


async def run_reindex(settings: SearchSettings) -> ReindexReport:
    from apis.search.index import TypesenseIndex
    from apis.search.reindex import reindex
    from codeflix.service_tokens import service_tokens_for

    index = TypesenseIndex(
        url=typesense_url(settings),
        api_key=settings.typesense_api_key,
        alias=settings.search_collection,
        state_collection=settings.search_state_collection,
        timeout=30,
    )
    tokens = service_tokens_for(settings)
    try:
        await index.ensure_collections()
        async with httpx.AsyncClient(
            base_url=settings.catalog_base_url, auth=tokens.auth(), timeout=30
        ) as catalog:
            return await reindex(index=index, catalog=catalog)
    finally:
        await index.close()


@search_app.command("reindex")
def reindex_command() -> None:
    """Fill a new collection from the catalog's API and swap it in; searches keep answering."""
    from apis.search.index import SearchUnavailable
    from apis.search.reindex import CatalogUnavailable
    from codeflix.service_tokens import ServiceAuthError

    try:
        report = asyncio.run(run_reindex(get_settings()))
    except (NoTypesense, SearchUnavailable, CatalogUnavailable, ServiceAuthError) as e:
        err_console.print(f"[red]codeflix search reindex:[/red] {e}")
        raise typer.Exit(1) from None
    console.print(
        f"search reindexed: {report.documents} videos into {report.collection} "
        f"({report.caught_up} caught up from events, {report.seconds:.1f} s); "
        f"previous collection: {report.previous or 'none'}"
    )
