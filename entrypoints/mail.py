"""``codeflix mail list|show``: read the messages the embedded SMTP server received."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

mail_app = typer.Typer(
    name="mail",
    help="Read the mail the embedded platform sent (kept under <data_dir>/mail).",
    no_args_is_help=True,
)
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

DataDir = Annotated[
    Path, typer.Option(help="Where the SQLite files live.", envvar="CODEFLIX_DATA_DIR")
]


@mail_app.command("list")
def list_mail(
    data_dir: DataDir = Path("var"),
    to: Annotated[str | None, typer.Option(help="Only messages to this address.")] = None,
) -> None:
    """Every message received, oldest first: id, date, recipient, subject."""
    from codeflix.mail.store import MailStore

    mails = MailStore(data_dir / "mail").list()
    if to:
        mails = [m for m in mails if to.strip().lower() in m.to.lower()]
    if not mails:
        console.print("No mail.")
        return
    # Plain lines rather than a table, so long subjects never wrap and grep finds them.
    width = max(len(m.to) for m in mails)
    console.print(f"{'ID':<12}  {'DATE (UTC)':<19}  {'TO':<{width}}  SUBJECT", highlight=False)
    for mail in mails:
        date = f"{mail.date.astimezone(UTC):%Y-%m-%d %H:%M:%S}"
        line = f"{mail.id[:12]}  {date}  {mail.to:<{width}}  {mail.subject}"
        console.print(line, markup=False, highlight=False)


@mail_app.command("show")
def show_mail(
    mail_id: Annotated[str, typer.Argument(help="The id `codeflix mail list` shows.")],
    data_dir: DataDir = Path("var"),
    html: Annotated[bool, typer.Option(help="Print the HTML part instead.")] = False,
) -> None:
    """One message: its headers and its plain-text (or HTML) body."""
    from codeflix.mail.store import MailStore

    mail = MailStore(data_dir / "mail").get(mail_id.strip().lower())
    if mail is None:
        err_console.print(f"[red]codeflix mail show:[/red] no single message has the id {mail_id}")
        raise typer.Exit(1)
    for header in ("From", "To", "Subject", "Date", "Message-ID"):
        console.print(f"{header}: {mail.message.get(header, '')}", markup=False, highlight=False)
    console.print()
    console.print(mail.body("html" if html else "plain"), markup=False, highlight=False)
