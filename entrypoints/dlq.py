"""``codeflix dlq ...``: look into a consumer's dead-letter queue, replay or purge it."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Annotated, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.table import Table

dlq_app = typer.Typer(
    name="dlq",
    help="Inspect and replay dead letters of a consumer queue (needs CODEFLIX_AMQP_URL).",
    no_args_is_help=True,
)
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

QueueArg = Annotated[str, typer.Argument(help="The consumer queue, e.g. encoder.uploads.")]
T = TypeVar("T")


def _with_bus(action: Callable[..., Awaitable[T]]) -> T:
    """Run ``action(bus)`` against the broker; problems become one readable line."""
    from codeflix.bus import BusError
    from codeflix.bus.rabbitmq import RabbitMQBus
    from codeflix.settings import common_settings

    # The client library's own retry chatter is not for this command's user.
    for name in ("aio_pika", "aiormq"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    settings = common_settings()
    if not settings.amqp_url:
        _fail("set CODEFLIX_AMQP_URL to the broker (dead letters live in RabbitMQ)")

    async def run() -> T:
        bus = RabbitMQBus(settings.amqp_url or "", connect_timeout=5)
        await bus.start()
        try:
            return await action(bus)
        finally:
            await bus.close()

    try:
        return asyncio.run(run())
    except BusError as e:
        _fail(str(e))


@dlq_app.command("list")
def list_(
    queue: QueueArg,
    limit: Annotated[int, typer.Option(help="Show at most this many.", min=1)] = 50,
) -> None:
    """List the dead letters of QUEUE: id, event type, attempts and reason."""
    letters = _with_bus(lambda bus: bus.dead_letters(queue, limit=limit))
    if not letters:
        console.print(f"no dead letters in {queue}.dlq")
        return
    table = Table(title=f"{queue}.dlq")
    table.add_column("message id", overflow="fold", min_width=36)  # whole: `show` needs it
    table.add_column("event type")
    table.add_column("attempts")
    table.add_column("reason", overflow="fold")
    for letter in letters:
        table.add_row(
            letter.message_id or "-",
            letter.routing_key or "-",
            str(letter.attempts or "-"),
            letter.reason or "-",
        )
    console.print(table)


@dlq_app.command()
def show(
    queue: QueueArg,
    message_id: Annotated[str | None, typer.Argument(help="Only this message.")] = None,
    limit: Annotated[
        int | None,
        typer.Option(help="Look at most this many (default: 20, or 10000 to find an id).", min=1),
    ] = None,
) -> None:
    """Print dead letters of QUEUE in full: headers and body."""
    limit = limit or (10_000 if message_id else 20)
    letters = _with_bus(lambda bus: bus.dead_letters(queue, limit=limit))
    if message_id is not None:
        letters = [letter for letter in letters if letter.message_id == message_id]
        if not letters:
            _fail(f"no dead letter {message_id!r} among the first {limit} of {queue}.dlq")
    for letter in letters:
        try:
            body = json.dumps(json.loads(letter.body), indent=2)
        except ValueError:
            body = repr(letter.body[:2000])
        headers = {k: str(v) for k, v in letter.headers.items()}
        console.print(f"[bold]{letter.message_id}[/bold]  reason: {letter.reason}")
        console.print(json.dumps(headers, indent=2))
        console.print(body, markup=False, highlight=False)


@dlq_app.command()
def replay(
    queue: QueueArg,
    limit: Annotated[int | None, typer.Option(help="Replay at most this many.", min=1)] = None,
) -> None:
    """Send dead letters of QUEUE back to QUEUE for another try."""
    count = _with_bus(lambda bus: bus.replay_dead_letters(queue, limit=limit))
    console.print(f"replayed {count} message(s) into {queue}")


@dlq_app.command()
def purge(
    queue: QueueArg,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete every dead letter of QUEUE."""
    if not yes:
        typer.confirm(f"Delete every message of {queue}.dlq?", abort=True)
    count = _with_bus(lambda bus: bus.purge_dead_letters(queue))
    console.print(f"purged {count} message(s) from {queue}.dlq")


def _fail(message: str) -> NoReturn:
    err_console.print(f"[red]codeflix dlq:[/red] {message}")
    raise typer.Exit(1)
