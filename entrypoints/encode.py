"""``codeflix encode``: encode a master into an HLS ladder from the command line.

Heavy imports (PyAV, Ray) happen when the command runs, so ``codeflix --help`` stays fast.
"""

from __future__ import annotations

import os
import time
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from pipeline.job import EncodeResult

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


def _as_uri(location: str) -> str:
    """A path becomes a ``file://`` URI; a URI stays as it is."""
    if "://" in location:
        return location
    return "file://" + os.path.abspath(os.path.expanduser(location))


class Quality(StrEnum):
    per_title = "per-title"
    fixed = "fixed"


def _heights(ladder: str | None) -> list[int] | None:
    if ladder is None:
        return None
    try:
        heights = [int(part) for part in ladder.replace(" ", "").split(",") if part]
    except ValueError:
        raise typer.BadParameter(
            f"{ladder!r} is not a list of heights such as 1080,720,480", param_hint="--ladder"
        ) from None
    if not heights:
        raise typer.BadParameter("give at least one height, e.g. 720", param_hint="--ladder")
    return heights


def encode(
    master: Annotated[
        str, typer.Argument(metavar="INPUT", help="The master video: a path or a URI (s3://…).")
    ],
    out: Annotated[
        str,
        typer.Option("--out", help="Where the HLS tree goes: a directory or a URI (s3://…)."),
    ],
    ladder: Annotated[
        str | None,
        typer.Option(
            help="Rung heights, e.g. 1080,720,480 (default: every standard rung "
            "up to the master's size; never upscaled)."
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1, help="At most this many chunks encoding at once (default: one per CPU)."
        ),
    ] = None,
    quality: Annotated[
        Quality,
        typer.Option(
            help="per-title: each rung's bitrate and VBV ceiling from trial encodes of a few "
            "samples (cheaper for simple pictures, more bits for complex ones); fixed: "
            "0.08 bit per pixel, capped per rung.",
        ),
    ] = Quality.per_title,
    result_file: Annotated[
        Path | None,
        typer.Option(
            "--result",
            help="Also write the job's result as JSON to this file (renditions, "
            "chunks encoded, chunks per Ray node).",
        ),
    ] = None,
) -> None:
    """Encode INPUT into an adaptive HLS stream (H.264 ladder, AAC audio, thumbnails)."""
    from pydantic import ValidationError
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from actors.coordinator import run_encode_job
    from codeflix.settings import common_settings
    from pipeline.errors import PipelineError
    from pipeline.job import EncodeProgress, EncodeRequest, PlayableStream

    heights = _heights(ladder)
    try:
        request = EncodeRequest(
            source_uri=_as_uri(master),
            output_uri=_as_uri(out),
            storage_options=common_settings().storage_options,
            heights=heights,
            max_workers=workers,
            quality=quality.value,
        )
    except ValidationError as e:
        err_console.print(f"[red]codeflix encode:[/red] {e.errors()[0]['msg']}")
        raise typer.Exit(2) from None
    started = time.monotonic()
    with Progress(
        TextColumn("[bold]encoding[/bold]"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} chunks"),
        TimeElapsedColumn(),
        TextColumn("{task.fields[eta]}"),
        console=console,
        transient=True,
        refresh_per_second=2,  # Rich's 10 a second cost 1 % of the encode's CPU
    ) as progress:
        task = progress.add_task("encode", total=None, eta="")

        def show(update: EncodeProgress) -> None:
            eta = f"ETA {update.eta_seconds:.0f} s" if update.eta_seconds is not None else ""
            progress.update(task, completed=update.chunks_done, total=update.chunks_total, eta=eta)

        def playable(stream: PlayableStream) -> None:
            progress.console.print(
                f"playable after {time.monotonic() - started:.1f} s: "
                f"{request.output_uri}/{stream.master_playlist} (the playlists grow until the end)"
            )

        try:
            result = run_encode_job(request, on_progress=show, on_playable=playable)
        except PipelineError as e:
            err_console.print(f"[red]codeflix encode:[/red] {e}")
            raise typer.Exit(1) from None
    _summary(result, request.output_uri, request.storage_options, time.monotonic() - started)
    if result_file is not None:
        result_file.write_text(result.model_dump_json(indent=2))


def _summary(result: EncodeResult, output_uri: str, options: dict, wall: float) -> None:
    from codeflix.storage import ObjectStore
    from pipeline.ladder import PER_TITLE_CRF

    store = ObjectStore(output_uri, **options)
    table = Table(title=f"{output_uri}/{result.master_playlist}")
    for column in ("rendition", "picture", "bytes", "avg kb/s", "peak kb/s"):
        table.add_column(column, justify="left" if column == "rendition" else "right")
    for r in result.renditions:
        folder = r.playlist.rsplit("/", 1)[0]
        size = sum(store.size(k) for k in store.list(folder) if k.endswith(".ts"))
        table.add_row(
            r.name,
            f"{r.width}x{r.height}",
            f"{size:,}",
            f"{r.average_bandwidth / 1000:.0f}",
            f"{r.bandwidth / 1000:.0f}",
        )
    for a in result.audio:
        folder = a.playlist.rsplit("/", 1)[0]
        size = sum(store.size(k) for k in store.list(folder) if k.endswith(".ts"))
        table.add_row(f"{a.name} ({a.language})", "AAC stereo", f"{size:,}", "", "")
    console.print(table)
    speed = result.duration_seconds / wall if wall > 0 else 0.0
    console.print(
        f"{result.duration_seconds:.1f} s of video in {wall:.1f} s ({speed:.2f}x real time); "
        f"{result.chunks_encoded} of {result.chunks_total} chunks encoded by this run; "
        f"job {result.job_id}"
    )
    if result.ladder is not None and result.ladder.complexity is not None:
        console.print(
            f"per-title ladder: complexity {result.ladder.complexity:.4f} bit/px at CRF "
            f"{PER_TITLE_CRF}, measured on {result.ladder.sample_seconds:.0f} s of samples in "
            f"{result.ladder.sample_cpu_seconds:.1f} CPU s"
        )
    if result.chunk_nodes:
        spread = ", ".join(f"{node[:12]} {n}" for node, n in sorted(result.chunk_nodes.items()))
        console.print(f"chunks per Ray node: {spread}")
