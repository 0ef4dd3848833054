"""The ``codeflix`` command: run the platform and operate it.

``codeflix up`` composes the embedded platform; each command group lives in its own module of
this package and is registered here.
"""

from __future__ import annotations

import errno
import socket
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

app = typer.Typer(
    name="codeflix",
    help="Codeflix, an open video streaming platform.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


class PortInUse(Exception):
    def __init__(self, host: str, port: int) -> None:
        super().__init__(
            f"port {port} on {host} is already in use; "
            "stop what runs there or pick another with --port"
        )


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind the listening socket ourselves so a busy port is a clear message, not a traceback."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        if e.errno in (errno.EADDRINUSE, errno.EACCES):
            raise PortInUse(host, port) from e
        raise
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


@app.command()
def up(
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    data_dir: Annotated[
        Path,
        typer.Option(help="Where the SQLite files and media live.", envvar="CODEFLIX_DATA_DIR"),
    ] = Path("var"),
    public_url: Annotated[
        str | None,
        typer.Option(
            help="The address people reach Codeflix at (tokens name their issuer after it); "
            "default: where it listens.",
            envvar="CODEFLIX_PUBLIC_URL",
        ),
    ] = None,
    demo: Annotated[
        bool,
        typer.Option(
            help="Upload and encode the demo title on first start.", envvar="CODEFLIX_DEMO_TITLE"
        ),
    ] = True,
    demo_master: Annotated[
        Path | None,
        typer.Option(
            help="A video file to use as the demo title's master instead of the shipped clip.",
            envvar="CODEFLIX_DEMO_MASTER",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    demo_subtitles: Annotated[
        Path | None,
        typer.Option(
            help="English subtitles (WebVTT or SRT) for the demo title.",
            envvar="CODEFLIX_DEMO_SUBTITLES",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Run the whole platform in one process on one port (the embedded mode)."""
    import uvicorn

    from actors.encoder_runtime import install_embedded_encoder
    from apis.gateway.app import create_app
    from apis.gateway.config import get_settings
    from codeflix.mail.server import install_embedded_mail
    from codeflix.observability import configure_logging
    from codeflix.platform import Platform

    # Tokens name their issuer after the public URL: unless it is set, it is where we listen.
    public_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    public_url = public_url or f"http://{public_host}:{port}"
    settings = get_settings(host=host, port=port, data_dir=data_dir, public_url=public_url)
    configure_logging(settings.log_level, json_lines=settings.log_json)
    try:
        sock = bind_socket(host, port)
    except PortInUse as e:
        err_console.print(f"[red]codeflix up:[/red] {e}")
        raise typer.Exit(1) from None
    platform = Platform.from_settings(settings)
    install_embedded_encoder(platform)
    install_embedded_mail(platform)
    gateway = create_app(settings, platform=platform)
    base = f"http://{host}:{port}"
    if demo and "catalog" in gateway.state.services:
        from entrypoints.demo_title import install_demo_title

        install_demo_title(
            platform,
            catalog_sessions=gateway.state.services["catalog"].state.sessions,
            base_url=base,
            report=console.print,
            master=demo_master,
            subtitles=demo_subtitles,
        )
    console.print(
        f"[bold green]Codeflix is starting[/bold green] on {base}  (data in {data_dir.resolve()})"
    )
    for name, service in gateway.state.services.items():
        console.print(f"  {name:<13} {base}{service.state.route_prefixes[0]}")
    console.print(
        f"  health        {base}/healthz   readiness {base}/readyz   metrics {base}/metrics"
    )
    console.print(f"  mail          kept in {(data_dir / 'mail').resolve()}: codeflix mail list")
    if "identity" in gateway.state.services:
        from entrypoints.identity import sign_in_help

        for line in sign_in_help(base):
            console.print(line)
    console.print("Press Ctrl-C to stop.")
    server = uvicorn.Server(uvicorn.Config(gateway, log_config=None, lifespan="on"))
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # uvicorn has already shut the services down cleanly
    finally:
        sock.close()
    console.print("Codeflix stopped.")


@app.command()
def version() -> None:
    """Print the Codeflix version."""
    from codeflix import __version__

    console.print(__version__)


from entrypoints.dlq import dlq_app  # noqa: E402 - subcommands register after `app`
from entrypoints.mail import mail_app  # noqa: E402
from entrypoints.migrate import migrate  # noqa: E402
from entrypoints.worker import worker_app  # noqa: E402

app.add_typer(worker_app)
app.add_typer(dlq_app)
app.add_typer(mail_app)
app.command()(migrate)

from entrypoints.identity import identity_app, users_app  # noqa: E402 - imports wait for use
from entrypoints.login import login  # noqa: E402

app.add_typer(users_app)
app.add_typer(identity_app)
app.command()(login)

from entrypoints.encode import encode  # noqa: E402 - PyAV and Ray load only when it runs

app.command()(encode)

from entrypoints.catalog import catalog_app, upload  # noqa: E402 - imports wait for the command

app.add_typer(catalog_app)
app.command()(upload)

from entrypoints.playback import playback_app  # noqa: E402

app.add_typer(playback_app)

from entrypoints.search import search_app  # noqa: E402

app.add_typer(search_app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
