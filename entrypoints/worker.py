"""``codeflix worker ...``: run a background worker on its own, against RabbitMQ."""

from __future__ import annotations

import asyncio
import signal
from typing import Annotated, NoReturn

import typer
from rich.console import Console

worker_app = typer.Typer(
    name="worker",
    help="Run a background worker (deployed mode, needs RabbitMQ).",
    no_args_is_help=True,
)
err_console = Console(stderr=True, soft_wrap=True)


@worker_app.command()
def encoder(
    concurrency: Annotated[
        int | None,
        typer.Option(
            help="Encodes run at once (default: CODEFLIX_ENCODER_CONCURRENCY, else 1).", min=1
        ),
    ] = None,
    queue: Annotated[
        str | None,
        typer.Option(
            help="Queue to consume (default: CODEFLIX_ENCODER_QUEUE, else encoder.uploads)."
        ),
    ] = None,
) -> None:
    """Encode uploaded masters: consume video.uploaded, run the pipeline on Ray, report."""
    from actors.encoder_endpoint import EndpointUnavailable
    from actors.encoder_runtime import BrokerRequired, run_standalone
    from actors.encoder_settings import get_settings
    from codeflix.bus import BusError
    from codeflix.observability import configure_logging
    from codeflix.settings import SettingsError

    overrides: dict[str, object] = {}
    if concurrency is not None:
        overrides["encoder_concurrency"] = concurrency
    if queue is not None:
        overrides["encoder_queue"] = queue
    try:
        settings = get_settings(**overrides)
    except (SettingsError, ValueError) as e:
        _fail(str(e).splitlines()[0])
    configure_logging(settings.log_level, json_lines=settings.log_json)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await run_standalone(settings, stop)

    try:
        asyncio.run(main())
    except (BrokerRequired, BusError, EndpointUnavailable) as e:
        _fail(str(e))


def _fail(message: str) -> NoReturn:
    err_console.print(f"[red]codeflix worker:[/red] {message}")
    raise typer.Exit(1)
