"""``codeflix login``: get a token for the command line and keep it for other commands.

The token comes from the issuer's token endpoint with the ``codeflix-cli`` client (the only
client allowed the password grant) and is stored, readable by its owner only, in
``$CODEFLIX_CONFIG_DIR/credentials.json`` (default ``~/.config/codeflix``). Commands that call
the APIs use :func:`bearer_token`, which refreshes it when it has expired.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console

CLI_CLIENT_ID = "codeflix-cli"
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


class LoginError(Exception):
    """Signing in from the command line failed; the message says what to do."""


def credentials_path() -> Path:
    base = os.environ.get("CODEFLIX_CONFIG_DIR") or Path.home() / ".config" / "codeflix"
    return Path(base) / "credentials.json"


def token_endpoint(url: str) -> str:
    return f"{url.rstrip('/')}/realms/codeflix/protocol/openid-connect/token"


def _request_token(url: str, form: dict[str, str], http: httpx.Client) -> dict[str, Any]:
    try:
        response = http.post(token_endpoint(url), data={"client_id": CLI_CLIENT_ID, **form})
    except httpx.HTTPError as e:
        raise LoginError(f"cannot reach Codeflix at {url}: {e}") from e
    if response.status_code >= 400:
        try:
            detail = response.json().get("detail") or response.json().get("error_description")
        except ValueError:
            detail = response.reason_phrase
        raise LoginError(f"sign-in refused: {detail}")
    body: dict[str, Any] = response.json()
    return body


def save(url: str, tokens: dict[str, Any], now: float) -> Path:
    path = credentials_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    record = {
        "url": url.rstrip("/"),
        "access_token": tokens["access_token"],
        "refresh_token": tokens.get("refresh_token"),
        "expires_at": now + int(tokens.get("expires_in", 0)),
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(record, f)
    return path


def log_in(url: str, email: str, password: str, *, http: httpx.Client) -> Path:
    """Sign in and store the tokens; returns where they are."""
    tokens = _request_token(
        url, {"grant_type": "password", "username": email, "password": password}, http
    )
    return save(url, tokens, time.time())


def bearer_token(*, http: httpx.Client, margin_seconds: float = 30) -> tuple[str, str]:
    """``(url, access token)`` of the stored login, refreshed when it is about to expire."""
    path = credentials_path()
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        raise LoginError("not signed in: run `codeflix login` first") from None
    if record["expires_at"] - margin_seconds > time.time():
        return record["url"], record["access_token"]
    if not record.get("refresh_token"):
        raise LoginError("the sign-in has expired: run `codeflix login` again")
    try:
        tokens = _request_token(
            record["url"],
            {"grant_type": "refresh_token", "refresh_token": record["refresh_token"]},
            http,
        )
    except LoginError:
        raise LoginError("the sign-in has expired: run `codeflix login` again") from None
    save(record["url"], tokens, time.time())
    return record["url"], tokens["access_token"]


def login(
    email: Annotated[str, typer.Option(prompt=True, help="Your Codeflix email address.")],
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, help="Asked for when not given.")
    ],
    url: Annotated[
        str, typer.Option(help="Where Codeflix runs.", envvar="CODEFLIX_PUBLIC_URL")
    ] = "http://127.0.0.1:8000",
) -> None:
    """Sign in from the command line; other commands then act as you."""
    try:
        with httpx.Client(timeout=15) as http:
            path = log_in(url, email, password, http=http)
    except LoginError as e:
        err_console.print(f"[red]codeflix login:[/red] {e}")
        raise typer.Exit(1) from None
    console.print(f"Signed in as {email.strip().lower()}; token stored in {path}.")
