"""``codeflix playback rotate-key``: the next grant signing key, with the old ones retired.

The keys live in one JSON list (``CODEFLIX_GRANT_SIGNING_KEYS``) that the playback service
and the media edge both read; the command prints the list to put in their shared Secret.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import TypeAdapter, ValidationError
from rich.console import Console

from apis.playback.config import SigningKeySetting
from apis.playback.grants import KEY_ID

playback_app = typer.Typer(
    name="playback", help="Operate playback: grant signing keys.", no_args_is_help=True
)
err_console = Console(stderr=True, soft_wrap=True)
_keys = TypeAdapter(list[SigningKeySetting])


def rotated(current: list[SigningKeySetting], key_id: str, now: datetime) -> list[dict[str, Any]]:
    """``current`` with a new active key first and every live key retired at ``now``."""
    if any(k.id == key_id for k in current):
        raise ValueError(f"a key named {key_id!r} already exists; pick another --id")
    if not KEY_ID.match(key_id):
        raise ValueError(f"the key id {key_id!r} must be 1-32 letters, digits, '-' or '_'")
    fresh = {"id": key_id, "secret": secrets.token_urlsafe(32)}
    kept = [
        {"id": k.id, "secret": k.secret,
         "retired_at": (k.retired_at or now).astimezone(UTC).isoformat().replace("+00:00", "Z")}
        for k in current
    ]  # fmt: skip
    return [fresh, *kept]


@playback_app.command("rotate-key")
def rotate_key(
    keys_file: Annotated[
        Path | None,
        typer.Argument(help="The current keys (JSON list); omit it for a first key."),
    ] = None,
    key_id: Annotated[
        str | None, typer.Option("--id", help="Id of the new key (default: today's date).")
    ] = None,
) -> None:
    """Print the key list with a new signing key in front and the others retired now.

    Put the output in the Secret both the playback service and the media edge read
    (CODEFLIX_GRANT_SIGNING_KEYS). Retired keys keep verifying the grants they signed until
    those expire (CODEFLIX_GRANT_TTL_SECONDS); drop them after that.
    """
    now = datetime.now(UTC).replace(microsecond=0)
    try:
        current = _keys.validate_json(keys_file.read_bytes()) if keys_file else []
        keys = rotated(current, key_id or now.strftime("%Y-%m-%d"), now)
    except OSError as e:
        raise _fail(f"cannot read {keys_file}: {e.strerror or e}") from None
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the document"
        raise _fail(f"{keys_file} is not a key list ({where}: {first['msg']})") from None
    except ValueError as e:
        raise _fail(str(e)) from None
    typer.echo(json.dumps(keys, indent=2))


def _fail(message: str) -> typer.Exit:
    err_console.print(f"[red]codeflix playback rotate-key:[/red] {message}", highlight=False)
    return typer.Exit(1)
